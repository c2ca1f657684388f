import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { armStats } from '../analysis/arm-stats.js';
import { checkBudgets } from '../analysis/budgets.js';
import { decideFixed, logRatio, unpairedColdMetric, type MetricSamples } from '../analysis/comparison.js';
import { median } from '../analysis/statistics.js';
import type { FunctionSpec, GateConfig, IntegrationSpec } from '../config/types.js';
import { usesPlaceholderCredentials } from '../lambda/client.js';
import type { AccessKey } from '../model/access-key.js';
import type { ArmVersion } from '../lambda/deploy.js';
import { collectReports } from '../lambda/log-reports.js';
import { realSleep } from '../lambda/retry.js';
import { runIntegrationCommand } from '../measure/integration-command.js';
import { maskedValue, Redactor } from '../result/redact.js';
import { sampleFromReport, type Build, type Sample } from '../model/sample.js';
import type { IntegrationResult, IntegrationRun } from '../analysis/result.js';
import type { VariantPlan } from '../model/variant.js';

export interface IntegrationContext {
  readonly config: GateConfig;
  readonly logs: CloudWatchLogsClient;
  readonly local: boolean;
  readonly progress: (line: string) => void;
  /** Told every value the command asked to mask (`::add-mask::`), so the writers can redact it. */
  readonly onSecret?: (value: string) => void;
  /** The key of the local service the gate started, for the command's AWS SDK to sign with. */
  readonly localKey?: AccessKey;
}

const EXEMPLAR = '(integration)';

/**
 * The runner's credentials for GitHub are the action's, not the test suite's: its inputs (the
 * github-token among them) and the Actions runtime and OIDC request tokens are not passed on.
 */
const NOT_FOR_THE_COMMAND = /^(INPUT_|ACTIONS_RUNTIME_|ACTIONS_ID_TOKEN_|ACTIONS_CACHE_|ACTIONS_RESULTS_)/;

/**
 * The command's environment: the caller's (less what is the action's own, above), plus what points
 * an ordinary AWS SDK test suite at this build's version (the endpoint variables the SDK reads,
 * the region) and the version itself. `localKey`, the key of a local service the gate started,
 * replaces the runner's credentials.
 */
function integrationEnvironment(
  spec: IntegrationSpec,
  arm: ArmVersion,
  config: GateConfig,
  localKey?: AccessKey,
): NodeJS.ProcessEnv {
  const functionName = arm.functionName;
  const endpoint = config.endpoint;
  const values: Record<string, string> = {
    arn: arm.functionArn,
    name: functionName,
    qualifier: arm.qualifier,
    build: arm.build,
    region: config.region,
    endpoint: endpoint ?? '',
  };
  const expand = (text: string): string =>
    text.replace(/\$\{(arn|name|qualifier|build|region|endpoint)\}/g, (_, key: string) => values[key] ?? '');
  const local = usesPlaceholderCredentials(endpoint);
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !NOT_FOR_THE_COMMAND.test(name))),
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    ...(endpoint
      ? {
          AWS_ENDPOINT_URL_LAMBDA: endpoint,
          AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: endpoint,
          LAMBDA_PERF_GATE_ENDPOINT: endpoint,
        }
      : {}),
    ...(local ? { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' } : {}),
    // The embedded service's own key, in place of the runner's: its session token would not match.
    ...(localKey
      ? {
          AWS_ACCESS_KEY_ID: localKey.accessKeyId,
          AWS_SECRET_ACCESS_KEY: localKey.secretAccessKey,
          AWS_SESSION_TOKEN: undefined,
          AWS_PROFILE: undefined,
        }
      : {}),
    LAMBDA_PERF_GATE_FUNCTION_ARN: arm.functionArn,
    LAMBDA_PERF_GATE_FUNCTION_NAME: functionName,
    LAMBDA_PERF_GATE_QUALIFIER: arm.qualifier,
    LAMBDA_PERF_GATE_BUILD: arm.build,
    ...Object.fromEntries(Object.entries(spec.environment).map(([key, value]) => [key, expand(value)])),
  };
}

interface CompletedRun {
  readonly run: IntegrationRun;
  /** This run's invocations as Samples, in the order their REPORT lines were logged. */
  readonly samples: Sample[];
}

/** Runs the command against one build and reads that run's REPORT lines back from the logs. */
async function runAgainst(
  spec: FunctionSpec & { integration: IntegrationSpec },
  variant: VariantPlan,
  arm: ArmVersion,
  context: IntegrationContext,
  sequence: () => number,
  redactor: Redactor,
): Promise<CompletedRun> {
  const { integration } = spec;
  const build = arm.build;
  context.progress(
    `${spec.name}: integration: "${integration.command}" against the ${build} (${variant.id}, version ${arm.qualifier})`,
  );
  const env = integrationEnvironment(integration, arm, context.config, context.localKey);
  redactor.addEnvironment(env);
  const result = await runIntegrationCommand(
    integration.command,
    integration.directory,
    env,
    integration.timeoutS,
    (line) => {
      const secret = maskedValue(line);
      if (secret === undefined) return;
      redactor.add(secret);
      context.onSecret?.(secret);
    },
    (text) => redactor.text(text),
  );
  const collected = await collectReports(context.logs, {
    logGroup: `/aws/lambda/${arm.functionName}`,
    version: arm.qualifier,
    startMs: result.startedAt,
    endMs: result.endedAt + 1000,
    maxWaitMs: integration.maxLogWaitS * 1000,
    // CloudWatch delivers within seconds to a minute; the local service at once, unless told to lag.
    pollMs: context.local ? 200 : 2000,
    settleMs: context.local ? 2000 : 15_000,
    sleep: realSleep,
    ...(context.config.endpoint ? { endpoint: context.config.endpoint } : {}),
  });
  const samples = collected.reports.map((report) =>
    sampleFromReport(
      report,
      { function: spec.name, build, variant: variant.id, exemplar: EXEMPLAR, sequence: sequence() },
      report.status === 'success' ? {} : { errorType: report.errorType ?? report.status },
    ),
  );
  const forged = collected.ignored
    ? `; ${collected.ignored} REPORT lines the function printed itself were not counted`
    : '';
  context.progress(
    `${spec.name}: integration: ${build} exit ${result.exitCode ?? result.signal}, ${collected.reports.length} invocations in the logs${forged}`,
  );
  return {
    samples,
    run: {
      build,
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      durationMs: result.durationMs,
      outputTail: result.outputTail,
      invocations: collected.reports.length,
      starts: collected.starts,
      complete: collected.complete,
      logWaitMs: collected.waitedMs,
    },
  };
}

const warmOk = (samples: readonly Sample[]): Sample[] => samples.filter((s) => s.kind === 'warm' && !s.errorType);

/**
 * The warm Duration of the integration traffic: concurrent rounds pair the k-th invocations of
 * the two runs; sequential rounds compare whole runs by their median.
 */
function warmMetric(
  rounds: readonly { readonly baseline: CompletedRun; readonly candidate: CompletedRun }[],
  variant: string,
  concurrent: boolean,
): MetricSamples {
  if (concurrent) {
    // The k-th invocations of the two runs of a round, paired. Each round still meets the host in
    // its own way (which run got going first, what else ran then), and that lasts the whole
    // round: a decision must hold in every round.
    const roundLogRatios = rounds.map(({ baseline, candidate }) => {
      const b = warmOk(baseline.samples);
      const c = warmOk(candidate.samples);
      return Array.from({ length: Math.min(b.length, c.length) }, (_, k) =>
        logRatio(c[k]!.durationMs, b[k]!.durationMs),
      );
    });
    const paired = roundLogRatios.flat();
    return {
      metric: 'warm',
      variant,
      nBaseline: paired.length,
      nCandidate: paired.length,
      evidence: { paired },
      rounds: roundLogRatios,
    };
  }
  // Whole runs are the units: each run's median warm Duration.
  const runMedians = (build: Build): number[] =>
    rounds.map((r) => median(warmOk(r[build].samples).map((s) => s.durationMs))).filter((v) => !Number.isNaN(v));
  const baseline = runMedians('baseline');
  const candidate = runMedians('candidate');
  return {
    metric: 'warm',
    variant,
    nBaseline: baseline.length,
    nCandidate: candidate.length,
    evidence: { baseline, candidate },
  };
}

/**
 * Runs the project's integration tests against both builds and compares the traffic. By default
 * the two builds' runs go side by side, so whatever the host does hits both, and the k-th
 * invocation of one run pairs with the k-th of the other (a suite makes the same calls in the
 * same order). Suites that share state run one after the other instead, alternating which build
 * goes first; then whole runs are the units compared, since each run meets the host in its own
 * state, and it takes several repeats to show a difference.
 */
export async function integrationProfile(
  spec: FunctionSpec & { integration: IntegrationSpec },
  variant: VariantPlan,
  armOf: (build: Build) => ArmVersion,
  context: IntegrationContext,
): Promise<IntegrationResult> {
  const { integration } = spec;
  let next = 0;
  const sequence = (): number => next++;
  // The tails are redacted before they are cut (a cut could go through a secret), with what every
  // run so far asked to mask: the writers' redaction of the whole report comes after the cut.
  const redactor = new Redactor();
  const against = (build: Build): Promise<CompletedRun> =>
    runAgainst(spec, variant, armOf(build), context, sequence, redactor);
  const rounds: { baseline: CompletedRun; candidate: CompletedRun }[] = [];
  for (let round = 0; round < integration.repeat; round++) {
    if (integration.concurrent) {
      // Whichever starts first gets a head start on a shared host: alternate it between rounds.
      const [first, second] =
        round % 2 === 0 ? (['baseline', 'candidate'] as const) : (['candidate', 'baseline'] as const);
      const started = { [first]: against(first), [second]: against(second) } as Record<Build, Promise<CompletedRun>>;
      rounds.push({ baseline: await started.baseline, candidate: await started.candidate });
    } else if (round % 2 === 0) {
      const baseline = await against('baseline');
      rounds.push({ baseline, candidate: await against('candidate') });
    } else {
      const candidate = await against('candidate');
      rounds.push({ candidate, baseline: await against('baseline') });
    }
  }
  const samples = rounds.flatMap((r) => [...r.baseline.samples, ...r.candidate.samples]);
  const costContext = {
    region: context.config.region,
    architecture: variant.architecture,
    memoryMb: variant.memoryMb,
    coldStartRate: context.config.traffic.coldStartRate,
    invocationsPerMonth: context.config.traffic.invocationsPerMonth,
    snapStart: variant.snapStart,
    ...(context.config.traffic.accountGbSecondsPerMonth === undefined
      ? {}
      : { accountGbSecondsPerMonth: context.config.traffic.accountGbSecondsPerMonth }),
  };
  const warm = warmMetric(rounds, variant.id, integration.concurrent);
  const metrics: MetricSamples[] = [warm, ...unpairedColdMetric(variant.id, samples)];
  const { sampling } = context.config;
  const rules = { alpha: 1 - sampling.confidence, beta: 1 - sampling.passConfidence, tolerance: spec.tolerance };
  const comparable =
    'paired' in warm.evidence
      ? warm.evidence.paired.length > 0
      : warm.evidence.baseline.length > 0 && warm.evidence.candidate.length > 0;
  const comparisons = comparable ? decideFixed(metrics, rules) : [];
  const candidate = armStats(
    samples.filter((s) => s.build === 'candidate'),
    costContext,
  );
  return {
    command: integration.command,
    variant: variant.id,
    mode: integration.concurrent ? 'concurrent' : 'sequential',
    runs: rounds.flatMap((r, i) =>
      integration.concurrent || i % 2 === 0 ? [r.baseline.run, r.candidate.run] : [r.candidate.run, r.baseline.run],
    ),
    baseline: armStats(
      samples.filter((s) => s.build === 'baseline'),
      costContext,
    ),
    candidate,
    comparisons,
    budgets: checkBudgets(candidate, spec.budgets),
  };
}
