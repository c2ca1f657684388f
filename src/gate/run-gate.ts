import { randomBytes } from 'node:crypto';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { armStats } from '../analysis/arm-stats.js';
import { checkBudgets } from '../analysis/budgets.js';
import { coldMetric, decideLook, lookSchedule, metricKey, pairedLogRatioBlocks, pairedWarmMetric, type MetricComparison, type MetricSamples, type Outcome } from '../analysis/comparison.js';
import { blendedPricePerGbSecond, REQUEST_PRICE_USD } from '../analysis/pricing.js';
import { recommend } from '../analysis/recommend.js';
import { functionVerdict } from '../analysis/verdict.js';
import type { FunctionSpec, GateConfig } from '../config/types.js';
import { createLambdaClient, createLogsClient } from '../lambda/client.js';
import { PerfFunctionDeployer, type CodePayload, type DeployedArm } from '../lambda/deploy.js';
import { invokeForReport } from '../lambda/invoke.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../lambda/retry.js';
import { seededRandom } from '../local-lambda/faults.js';
import type { Sample } from '../measure/sample.js';
import { Sampler, type ArmTarget } from '../measure/sampler.js';
import { signedPercent } from '../report/format.js';
import { SCHEMA_VERSION, worstVerdict, type FunctionResult, type GateReport, type VariantResult } from '../report/model.js';
import { CleanupRegistry } from './cleanup.js';
import { integrationProfile } from './integration.js';
import { exemplarSequence, perfFunctionName, planVariants, type VariantPlan } from './plan.js';

export const TOOL_VERSION = '0.1.0';

export interface Backend {
  readonly kind: 'aws' | 'local';
  /** Whether CPU scales with memory there, and the sentence that says so in reports. */
  readonly cpuScaledByMemory: boolean;
  readonly statement: string;
}

export interface GateOptions {
  readonly config: GateConfig;
  readonly backend: Backend;
  readonly client?: LambdaClient;
  readonly logsClient?: CloudWatchLogsClient;
  readonly runId?: string;
  /** Progress lines for a person watching. */
  readonly progress?: (line: string) => void;
  /** Receives the registry before anything is created, e.g. to clean up on a signal. */
  readonly onCleanupRegistry?: (registry: CleanupRegistry) => void;
  readonly stateFile?: string;
  readonly retry?: RetryPolicy;
  readonly now?: () => Date;
}

/** The whole gate for every configured function: deploy, measure, analyze, decide. Always cleans up. */
export async function runGate(options: GateOptions): Promise<GateReport> {
  const { config, backend } = options;
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const progress = options.progress ?? (() => undefined);
  const runId = options.runId ?? randomBytes(4).toString('hex');
  const seed = config.sampling.seed ?? Number.parseInt(runId.slice(0, 8), 16) >>> 0;
  const clientOptions = { region: config.region, ...(config.endpoint ? { endpoint: config.endpoint } : {}), maxAttempts: 6 };
  const client = options.client ?? createLambdaClient(clientOptions);
  const logsClient = options.logsClient ?? createLogsClient(clientOptions);
  let retries = 0;
  const deployer = new PerfFunctionDeployer({
    client,
    retry: options.retry ?? DEFAULT_RETRY,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    onRetry: () => retries++,
    progress,
  });
  const registry = new CleanupRegistry((name) => deployer.remove(name), { backend: backend.kind, region: config.region, ...(config.endpoint ? { endpoint: config.endpoint } : {}) }, options.stateFile);
  options.onCleanupRegistry?.(registry);
  const functions: FunctionResult[] = [];
  try {
    for (const spec of config.functions) {
      const before = retries;
      const result = await gateFunction(spec, {
        config,
        backend,
        client,
        logsClient,
        deployer,
        registry,
        progress,
        random: seededRandom(seed + functions.length),
        runId,
        retry: options.retry ?? DEFAULT_RETRY,
        countRetry: () => retries++,
      });
      functions.push({ ...result, invocations: { ...result.invocations, retries: retries - before } });
    }
  } finally {
    const problems = await registry.runAll();
    for (const problem of problems) progress(`cleanup: ${problem}`);
    if (!options.client) client.destroy();
    if (!options.logsClient) logsClient.destroy();
  }
  const verdict = worstVerdict(functions.map((f) => f.verdict));
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'lambda-perf-gate', version: TOOL_VERSION },
    startedAt: startedAt.toISOString(),
    finishedAt: now().toISOString(),
    backend: backend.kind,
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    verdict,
    summary: summarise(functions),
    environment: { cpuScaledByMemory: backend.cpuScaledByMemory, statement: backend.statement },
    settings: {
      confidence: config.sampling.confidence,
      passConfidence: config.sampling.passConfidence,
      warmMin: config.sampling.warmMin,
      warmMax: config.sampling.warmMax,
      cold: config.sampling.cold,
      concurrency: config.sampling.concurrency,
      environments: config.sampling.environments,
      seed,
      strategy: config.strategy,
      invocationsPerMonth: config.traffic.invocationsPerMonth,
      coldStartRate: config.traffic.coldStartRate,
    },
    functions,
  };
}

function summarise(functions: readonly FunctionResult[]): string {
  return functions
    .map((f) => {
      const rec = f.recommended ? `, recommended ${f.recommended.memory} MB` : '';
      return `${f.name}: ${f.verdict}${rec}${f.reasons.length ? ` (${f.reasons.length} finding${f.reasons.length > 1 ? 's' : ''})` : ''}`;
    })
    .join('; ');
}

interface FunctionContext {
  readonly config: GateConfig;
  readonly backend: Backend;
  readonly client: LambdaClient;
  readonly logsClient: CloudWatchLogsClient;
  readonly deployer: PerfFunctionDeployer;
  readonly registry: CleanupRegistry;
  readonly progress: (line: string) => void;
  readonly random: () => number;
  readonly runId: string;
  readonly retry: RetryPolicy;
  readonly countRetry: () => void;
}

async function gateFunction(spec: FunctionSpec, context: FunctionContext): Promise<FunctionResult> {
  const { config, deployer, registry, progress } = context;
  const functionName = perfFunctionName(spec.name, context.runId);
  progress(`${spec.name}: preparing builds`);
  const base = await deployer.baseSettings(spec);
  const codes: Record<'baseline' | 'candidate', CodePayload> = {
    baseline: await deployer.codeFor(spec.baseline, spec),
    candidate: await deployer.codeFor(spec.candidate, spec),
  };
  const variants = planVariants(spec, base.memoryMb);
  const replicas = config.sampling.environments;
  progress(`${spec.name}: deploying ${functionName} with ${variants.length} variant(s) x 2 builds${replicas > 1 ? ` x ${replicas} environment versions` : ''}`);
  const arms = await deployer.deploy(functionName, base, codes, variants, () => registry.created(functionName), replicas);

  const exemplars = exemplarSequence(spec.exemplars, spec.exemplars.reduce((sum, e) => sum + e.weight, 0));
  const sampler = new Sampler({
    functionName: spec.name,
    concurrency: config.sampling.concurrency,
    random: context.random,
    exemplarAt: (index) => exemplars[index % exemplars.length]!,
    invoke: (arm, exemplar) => invokeForReport(context.client, functionName, arm.qualifier, exemplar.payload, context.retry, context.countRetry, config.endpoint),
  });
  const armsOf = (build: 'baseline' | 'candidate', variant: VariantPlan): DeployedArm[] =>
    arms.filter((a) => a.build === build && a.variant.id === variant.id).sort((a, b) => a.replica - b.replica);
  // The integration command runs against the first replica of each build.
  const armOf = (build: 'baseline' | 'candidate', variant: VariantPlan): DeployedArm => armsOf(build, variant)[0]!;
  const pairs = variants.map((variant) => ({ variant, baseline: armsOf('baseline', variant) as ArmTarget[], candidate: armsOf('candidate', variant) as ArmTarget[] }));

  if (config.sampling.cold > 0) {
    progress(`${spec.name}: ${config.sampling.cold} cold starts per build and variant${replicas > 1 ? `, over its ${replicas} versions` : ''}`);
    await sampler.coldBursts(arms, config.sampling.cold, replicas);
  }
  const comparisons = await sequentialWarmSampling(spec, context, sampler, pairs);
  const integrationVariant = variants.find((v) => v.memoryMb === base.memoryMb) ?? variants[0]!;
  const integration = spec.integration
    ? await integrationProfile({ ...spec, integration: spec.integration }, functionName, integrationVariant, (build) => armOf(build, integrationVariant), {
        config,
        logs: context.logsClient,
        local: context.backend.kind === 'local',
        progress,
      })
    : undefined;
  // Measuring is over: the function goes now rather than at the end of the whole run.
  for (const problem of await registry.runAll()) progress(`cleanup: ${problem}`);

  const variantResults: VariantResult[] = variants.map((variant) => {
    const of = (build: 'baseline' | 'candidate') => sampler.samples.filter((s) => s.build === build && s.variant === variant.id);
    const costContext = {
      region: config.region,
      architecture: variant.architecture,
      memoryMb: variant.memoryMb,
      coldStartRate: config.traffic.coldStartRate,
      invocationsPerMonth: config.traffic.invocationsPerMonth,
      snapStart: variant.snapStart,
      ...(base.runtime ? { runtime: base.runtime } : {}),
      ...(config.traffic.accountGbSecondsPerMonth === undefined ? {} : { accountGbSecondsPerMonth: config.traffic.accountGbSecondsPerMonth }),
    };
    const baseline = armStats(of('baseline'), costContext);
    const candidate = armStats(of('candidate'), costContext);
    return {
      id: variant.id,
      memoryMb: variant.memoryMb,
      architecture: variant.architecture,
      name: variant.name,
      baseline,
      candidate,
      comparisons: comparisons.filter((c) => c.variant === variant.id),
      budgets: checkBudgets(candidate, spec.budgets),
      costChangePercent: (candidate.cost.perInvocationUsd / baseline.cost.perInvocationUsd - 1) * 100,
    };
  });
  const recommendation = recommend(
    variantResults.map((v) => ({ variant: v.id, stats: v.candidate, budgets: v.budgets })),
    config.strategy,
    config.balancedWeight,
  );
  const { verdict, reasons } = functionVerdict(sampler.samples, variantResults, recommendation?.variant, spec.tolerance, integration);
  const recommendedVariant = variants.find((v) => v.id === recommendation?.variant);
  progress(`${spec.name}: ${verdict}${recommendedVariant ? `, recommended memory ${recommendedVariant.memoryMb} MB` : ''}`);
  return {
    name: spec.name,
    perfFunction: functionName,
    verdict,
    reasons,
    recommended:
      recommendation && recommendedVariant
        ? { variant: recommendation.variant, memory: recommendedVariant.memoryMb, architecture: recommendedVariant.architecture, strategy: recommendation.strategy, why: recommendation.why }
        : null,
    variants: variantResults,
    invocations: {
      total: sampler.samples.length,
      baseline: sampler.samples.filter((s) => s.build === 'baseline').length,
      candidate: sampler.samples.filter((s) => s.build === 'candidate').length,
      retries: 0,
      costUsd: runCost(sampler.samples, variants, config.region),
    },
    cpuScaledByMemory: context.backend.cpuScaledByMemory,
    tolerance: spec.tolerance,
    exemplars: spec.exemplars.map((e) => ({ name: e.name, weight: e.weight })),
    ...(integration ? { integration } : {}),
  };
}

/**
 * Adds warm pairs look by look, stopping each variant once its comparison is decided, until the
 * cap; then gives every metric its final decision.
 */
async function sequentialWarmSampling(
  spec: FunctionSpec,
  context: FunctionContext,
  sampler: Sampler,
  pairs: readonly { variant: VariantPlan; baseline: readonly ArmTarget[]; candidate: readonly ArmTarget[] }[],
): Promise<MetricComparison[]> {
  const { sampling } = context.config;
  const rules = { alpha: 1 - sampling.confidence, beta: 1 - sampling.passConfidence, tolerance: spec.tolerance };
  const decided = new Map<string, Outcome>();
  const metricsNow = (): MetricSamples[] =>
    pairs.flatMap(({ variant }) => {
      const samples = sampler.samples.filter((s) => s.variant === variant.id);
      const warm = pairedWarmMetric(variant.id, samples, pairedLogRatioBlocks(samples), { sequential: true });
      const cold = coldMetric(variant.id, samples);
      return [warm, ...cold];
    });
  let previous = 0;
  let latest: MetricComparison[] = [];
  let done = 0;
  for (const n of lookSchedule(sampling.warmMin, sampling.warmMax, sampling.warmMin)) {
    const open = pairs.filter(({ variant }) => !decided.has(metricKey({ metric: 'warm', variant: variant.id })));
    if (open.length === 0) break;
    await sampler.warmPairs(open, n - done);
    done = n;
    const fraction = n / sampling.warmMax;
    latest = decideLook(metricsNow(), rules, { fraction, previousFraction: previous, final: n === sampling.warmMax }, decided);
    previous = fraction;
    for (const c of latest) if (c.outcome !== 'inconclusive') decided.set(metricKey(c), c.outcome);
    const warm = latest.filter((c) => c.metric === 'warm');
    context.progress(
      `${spec.name}: ${n} warm pairs: ${warm.map((c) => `${c.variant} ${signedPercent(c.ratio)} [${signedPercent(c.ciLow)}, ${signedPercent(c.ciHigh)}] ${c.outcome}${c.blocks ? ` (by environment pair ${c.blocks.map((b) => signedPercent(b.ratio)).join(', ')})` : ''}`).join('; ')}`,
    );
  }
  if (previous < 1) {
    // Stopped early: the remaining error budget goes to the metrics still open (cold starts).
    latest = decideLook(metricsNow(), rules, { fraction: 1, previousFraction: previous, final: true }, decided);
  }
  return latest;
}

/** What the measuring invocations cost at list price (first tier). */
function runCost(samples: readonly Sample[], variants: readonly VariantPlan[], region: string): number {
  let cost = 0;
  for (const s of samples) {
    const variant = variants.find((v) => v.id === s.variant);
    const price = blendedPricePerGbSecond(variant?.architecture ?? 'x86_64', region, 0);
    cost += (s.billedDurationMs / 1000) * (s.memorySizeMb / 1024) * price + REQUEST_PRICE_USD;
  }
  return cost;
}
