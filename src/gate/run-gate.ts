import { randomBytes } from 'node:crypto';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { analyzeFunction } from '../analysis/analyze.js';
import { blendedPricePerGbSecond, requestPriceUsd } from '../pricing/price-list.js';
import type { Architecture } from '../model/architecture.js';
import { duetRuntimeProblem } from '../config/duet.js';
import type { FunctionSpec, GateConfig, IntegrationSpec } from '../config/types.js';
import { UsageError } from '../errors.js';
import { createLambdaClient, createLogsClient } from '../lambda/client.js';
import {
  duetPlans,
  PerfFunctionDeployer,
  separatePlans,
  type BaseSettings,
  type CodePayload,
  type ArmVersion,
  type PerfFunction,
  type PerfFunctionPlan,
} from '../lambda/deploy.js';
import { DUET_HANDLER, duetPackage, duetPayload } from '../lambda/duet-package.js';
import { invokeForReport } from '../lambda/invoke.js';
import type { AccessKey } from '../model/access-key.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../lambda/retry.js';
import type { Build, Sample } from '../model/sample.js';
import { Sampler, type EnvironmentPairTarget } from '../measure/sampler.js';
import { TOOL_VERSION } from '../package-root.js';
import { seededRandom } from '../random.js';
import { worstVerdict, type Finding, type IntegrationResult } from '../analysis/result.js';
import { profileBuilds } from '../profile/run-profile.js';
import type { ProfileNotice, ProfileReport } from '../result/profile.js';
import { reportedFindings } from '../report/findings.js';
import { SCHEMA_VERSION, type BackendKind, type FunctionResult, type GateReport } from '../result/model.js';
import { CleanupRegistry } from './cleanup.js';
import { integrationProfile } from './integration.js';
import { refusedSetting } from './refused-setting.js';
import { measureSequentially, type EnvironmentPairSource } from './sequential-sampling.js';
import { exemplarSequence, perfFunctionName, planVariants } from './plan.js';
import type { VariantPlan } from '../model/variant.js';

export interface Backend {
  /** AWS Lambda, another Lambda-compatible endpoint, or the local service (embedded or at an endpoint). */
  readonly kind: BackendKind;
  /** Whether CPU scales with memory there, and the sentence that says so in reports. */
  readonly cpuScaledByMemory: boolean;
  readonly statement: string;
  /** Local backend: the host's architecture, on which every variant runs whatever it asks for. */
  readonly hostArchitecture?: Architecture;
  /** Local backend: where the host makes the service differ from Lambda, one sentence each. */
  readonly limitations?: readonly string[];
  /** Local backend: which clock its Durations come from. */
  readonly clock?: BackendClock;
}

/** The local service's clock: `model` (CPU time through Lambda's CPU model) or the host's `wall` clock. */
export interface BackendClock {
  readonly kind: 'model' | 'wall';
  readonly statement: string;
}

export interface GateOptions {
  readonly config: GateConfig;
  readonly backend: Backend;
  /** The key of the local service at `config.endpoint`, when this process started it with `requireAuth`. */
  readonly localKey?: AccessKey;
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
  /** Told each value an integration command asked to mask, for the writers to redact. */
  readonly onSecret?: (value: string) => void;
  /** Where the profiles of both builds are written (beside the report); without it, none are. */
  readonly profileDirectory?: string;
}

/** The whole gate for every configured function: deploy, measure, analyze, decide. Always cleans up. */
export async function runGate(options: GateOptions): Promise<GateReport> {
  const { config, backend } = options;
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const progress = options.progress ?? (() => undefined);
  const runId = options.runId ?? randomBytes(4).toString('hex');
  const seed = config.sampling.seed ?? Number.parseInt(runId.slice(0, 8), 16) >>> 0;
  const clientOptions = {
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(options.localKey ? { localKey: options.localKey } : {}),
    maxAttempts: 6,
  };
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
  const registry = new CleanupRegistry(
    (name) => deployer.remove(name),
    { backend: backend.kind, region: config.region, ...(config.endpoint ? { endpoint: config.endpoint } : {}) },
    options.stateFile,
  );
  options.onCleanupRegistry?.(registry);
  const functions: FunctionResult[] = [];
  try {
    if (config.sampling.design === 'duet') await duetPreflight(config, deployer);
    for (const [index, spec] of config.functions.entries()) {
      const before = retries;
      const result = await gateFunction(spec, index, {
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
        ...(options.onSecret ? { onSecret: options.onSecret } : {}),
        ...(options.profileDirectory ? { profileDirectory: options.profileDirectory } : {}),
        ...(options.localKey ? { localKey: options.localKey } : {}),
      }).catch((error: unknown) => {
        throw refusedSetting(error, spec, index);
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
    platform: {
      cpuScaledByMemory: backend.cpuScaledByMemory,
      statement: backend.statement,
      ...(backend.hostArchitecture ? { hostArchitecture: backend.hostArchitecture } : {}),
      ...(backend.limitations?.length ? { limitations: backend.limitations } : {}),
      ...(backend.clock ? { clock: backend.clock } : {}),
    },
    settings: {
      confidence: config.sampling.confidence,
      passConfidence: config.sampling.passConfidence,
      pairsPerEnvironment: config.sampling.pairsPerEnvironment,
      batch: config.sampling.batch,
      maxEnvironmentPairs: config.sampling.maxEnvironmentPairs,
      concurrency: config.sampling.concurrency,
      seed,
      design: config.sampling.design,
      strategy: config.strategy,
      profile: config.profile,
      invocationsPerMonth: config.traffic.invocationsPerMonth,
      trafficSource: config.traffic.source,
      coldStartRate: config.traffic.coldStartRate,
    },
    functions,
  };
}

/** One line per function: verdict, recommendation, number of findings. */
export function summarise(functions: readonly FunctionResult[]): string {
  return functions
    .map((f) => {
      const rec = f.recommended ? `, recommended ${f.recommended.memory} MB` : '';
      return `${f.name}: ${f.verdict}${rec}${f.findings.length ? ` (${f.findings.length} finding${f.findings.length > 1 ? 's' : ''})` : ''}`;
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
  readonly onSecret?: (value: string) => void;
  readonly profileDirectory?: string;
  readonly localKey?: AccessKey;
}

/** The sequential test's plan (how the sampler looks) and rules (what it decides) for one function. */
function sequentialSettings(config: GateConfig, spec: FunctionSpec) {
  const { sampling } = config;
  return {
    plan: {
      pairsPerEnvironment: sampling.pairsPerEnvironment,
      batch: sampling.batch,
      maxEnvironmentPairs: sampling.maxEnvironmentPairs,
    },
    rules: { alpha: 1 - sampling.confidence, beta: 1 - sampling.passConfidence, tolerance: spec.tolerance },
  };
}

/** The sampler of one function: its exemplars in proportion, invoked with the gate's retries. */
function samplerFor(spec: FunctionSpec, context: FunctionContext): Sampler {
  const { config } = context;
  const duet = config.sampling.design === 'duet';
  const exemplars = exemplarSequence(
    spec.exemplars,
    spec.exemplars.reduce((sum, e) => sum + e.weight, 0),
  );
  return new Sampler({
    functionName: spec.name,
    concurrency: config.sampling.concurrency,
    random: context.random,
    exemplarAt: (index) => exemplars[index % exemplars.length]!,
    pairsPerEnvironment: config.sampling.pairsPerEnvironment,
    design: config.sampling.design,
    invoke: (arm, exemplar) =>
      invokeForReport(
        context.client,
        arm.functionName,
        arm.qualifier,
        duet ? duetPayload(arm.build, exemplar.payload) : exemplar.payload,
        context.retry,
        context.countRetry,
        config.endpoint,
      ),
  });
}

/**
 * The integration command against a version of each build published for it (`publish`), at the
 * integration variant, and what its traffic measured.
 */
async function integrationRun(
  spec: FunctionSpec & { integration: IntegrationSpec },
  variant: VariantPlan,
  context: FunctionContext,
  publish: (build: Build) => Promise<ArmVersion>,
): Promise<IntegrationResult> {
  const [baseline, candidate] = await Promise.all((['baseline', 'candidate'] as const).map(publish));
  const arms = { baseline: baseline!, candidate: candidate! };
  return integrationProfile(spec, variant, (build) => arms[build], {
    config: context.config,
    logs: context.logsClient,
    local: context.backend.kind === 'local',
    progress: context.progress,
    ...(context.onSecret ? { onSecret: context.onSecret } : {}),
    ...(context.localKey ? { localKey: context.localKey } : {}),
  });
}

async function gateFunction(spec: FunctionSpec, index: number, context: FunctionContext): Promise<FunctionResult> {
  const { config, deployer, registry, progress } = context;
  const baseName = perfFunctionName(spec.name, context.runId);
  progress(`${spec.name}: preparing builds`);
  const base = await deployer.baseSettings(spec);
  const codes: Record<Build, CodePayload> = {
    baseline: await deployer.codeFor(spec.baseline, spec),
    candidate: await deployer.codeFor(spec.candidate, spec),
  };
  const variants = planVariants(spec, base.memoryMb);
  const { plan, rules } = sequentialSettings(config, spec);
  const integrationVariant = variants.find((v) => v.memoryMb === base.memoryMb) ?? variants[0]!;
  const duet = config.sampling.design === 'duet';
  const functions = await createPerfFunctions(spec, index, context, {
    baseName,
    base,
    codes,
    variants,
    integrationVariant,
  });

  const sampler = samplerFor(spec, context);
  const functionOf = <B extends Build | 'duet'>(build: B, variant: VariantPlan): PerfFunction<B> =>
    functions.find((f): f is PerfFunction<B> => f.build === build && f.variant.id === variant.id)!;
  const publisher = new EnvironmentPairPublisher(deployer, base, functionOf, duet);
  const { stopped } = await measureSequentially({
    name: spec.name,
    variants,
    plan,
    rules,
    sampler,
    source: publisher,
    progress,
  });

  const integration = spec.integration
    ? await integrationRun({ ...spec, integration: spec.integration }, integrationVariant, context, (build) =>
        deployer.publish(functionOf(build, integrationVariant), base, 'integration'),
      )
    : undefined;
  // Measuring is over: the functions go now rather than at the end of the whole run.
  for (const problem of await registry.runAll()) progress(`cleanup: ${problem}`);

  const analysis = analyzeFunction({
    spec,
    variants,
    samples: sampler.samples,
    warmUps: sampler.warmUps,
    plan,
    rules,
    region: config.region,
    traffic: config.traffic,
    ...(base.runtime ? { runtime: base.runtime } : {}),
    ...(base.extra.EphemeralStorage?.Size ? { ephemeralStorageMb: base.extra.EphemeralStorage.Size } : {}),
    strategy: config.strategy,
    balancedWeight: config.balancedWeight,
    stopped,
    ...(integration ? { integration } : {}),
    ...(context.backend.hostArchitecture
      ? { host: { architecture: context.backend.hostArchitecture, limitations: context.backend.limitations ?? [] } }
      : {}),
  });
  progress(
    `${spec.name}: ${analysis.verdict}${analysis.recommended ? `, recommended memory ${analysis.recommended.memory} MB` : ''}`,
  );
  const { findings, ...analysed } = analysis;
  const profile = await profileIfAsked(spec, context, {
    base,
    codes,
    findings,
    variants,
    fallback: integrationVariant,
  });
  return {
    name: spec.name,
    perfFunction: baseName,
    ...analysed,
    ...(base.production ? { production: base.production } : {}),
    findings: reportedFindings(findings, {
      ...analysis,
      tolerance: spec.tolerance,
      design: config.sampling.design,
      ...(integration ? { integration } : {}),
    }),
    invocations: invocationsOf(sampler, variants, config.region),
    cpuScaledByMemory: context.backend.cpuScaledByMemory,
    tolerance: spec.tolerance,
    exemplars: spec.exemplars.map((e) => ({ name: e.name, weight: e.weight })),
    ...(integration ? { integration } : {}),
    ...(profile ? { profile } : {}),
  };
}

/**
 * Profiles both builds when `profile` asks for it: always, or after a regression, at the variant
 * that showed it (the integration variant for integration traffic). Its invocations are on a
 * service of their own and never among the samples, so it cannot change the verdict.
 */
async function profileIfAsked(
  spec: FunctionSpec,
  context: FunctionContext,
  measured: {
    readonly base: BaseSettings;
    readonly codes: Record<Build, CodePayload>;
    readonly findings: readonly Finding[];
    readonly variants: readonly VariantPlan[];
    readonly fallback: VariantPlan;
  },
): Promise<ProfileReport | ProfileNotice | undefined> {
  const mode = context.config.profile;
  const regression = measured.findings.find((f) => f.kind === 'regression' && f.about === 'comparison');
  if (mode === 'never' || (mode === 'on-regression' && !regression)) return undefined;
  const variantId =
    regression && regression.about === 'comparison' && regression.traffic === 'exemplars'
      ? regression.variant
      : undefined;
  const variant = measured.variants.find((v) => v.id === variantId) ?? measured.fallback;
  return profileBuilds({
    functionName: spec.name,
    base: measured.base,
    codes: measured.codes,
    variant,
    exemplars: exemplarSequence(
      spec.exemplars,
      spec.exemplars.reduce((sum, e) => sum + e.weight, 0),
    ),
    region: context.config.region || 'us-east-1',
    measuredOn: context.backend.kind,
    progress: context.progress,
    ...(context.profileDirectory ? { directory: context.profileDirectory } : {}),
  });
}

/**
 * The function's perf functions: one per build and variant, or with the duet one per variant
 * holding both builds (and, for integration traffic, each build apart at its variant).
 */
async function createPerfFunctions(
  spec: FunctionSpec,
  index: number,
  context: FunctionContext,
  what: {
    readonly baseName: string;
    readonly base: BaseSettings;
    readonly codes: Record<Build, CodePayload>;
    readonly variants: readonly VariantPlan[];
    readonly integrationVariant: VariantPlan;
  },
): Promise<PerfFunction[]> {
  const { baseName, base, codes, variants, integrationVariant } = what;
  if (context.config.sampling.design === 'separate') {
    context.progress(
      `${spec.name}: creating ${variants.length * 2} perf functions (${variants.length} variant(s) x 2 builds)`,
    );
    return context.deployer.createFunctions(base, separatePlans(baseName, codes, variants), (name) =>
      context.registry.created(name),
    );
  }
  const plans: PerfFunctionPlan[] = [
    ...duetPlans(baseName, duetZip(spec, index, base, codes), DUET_HANDLER, variants),
    // Integration traffic calls a function as its clients do, so each build keeps its own there.
    ...(spec.integration
      ? separatePlans(baseName, codes, variants).filter((p) => p.variant === integrationVariant)
      : []),
  ];
  context.progress(
    `${spec.name}: creating ${plans.length} perf functions (${variants.length} variant(s), both builds in each${spec.integration ? '; each build apart for integration traffic' : ''})`,
  );
  return context.deployer.createFunctions(base, plans, (name) => context.registry.created(name));
}

/**
 * Every function's duet package is built once before any function is measured, and dropped: what
 * a template decides (its runtime, its handler, a version's image) and what the packages hold
 * (links, sizes) must not refuse the third function after the first was measured.
 */
async function duetPreflight(config: GateConfig, deployer: PerfFunctionDeployer): Promise<void> {
  for (const [index, spec] of config.functions.entries()) {
    const base = await deployer.baseSettings(spec);
    assertDuetSettings(spec, index, base);
    duetZip(spec, index, base, {
      baseline: await deployer.codeFor(spec.baseline, spec),
      candidate: await deployer.codeFor(spec.candidate, spec),
    });
  }
}

function assertDuetSettings(spec: FunctionSpec, index: number, base: BaseSettings): void {
  const where = `functions[${index}] (${spec.name})`;
  const runtimeProblem = duetRuntimeProblem(base.runtime ?? 'an image or an unknown runtime');
  if (runtimeProblem) throw new UsageError(`${where}: the runtime: ${runtimeProblem}`);
  if (!base.handler) throw new UsageError(`${where}: a duet needs the handler setting (handler, or the template's)`);
}

/**
 * Both builds' zips as one duet package, after the checks the configuration could not make: the
 * runtime a template gives, and code a template's version gives as a container image.
 */
function duetZip(spec: FunctionSpec, index: number, base: BaseSettings, codes: Record<Build, CodePayload>): Buffer {
  const where = `functions[${index}] (${spec.name})`;
  assertDuetSettings(spec, index, base);
  const zips = {} as Record<Build, Buffer>;
  for (const build of ['baseline', 'candidate'] as const) {
    const code = codes[build];
    if (!('zip' in code))
      throw new UsageError(
        `${where}.${build}: its code is ${'imageUri' in code ? `a container image (${code.imageUri})` : 'in S3'}, which a duet cannot repackage; use sampling.design: separate`,
      );
    zips[build] = code.zip;
  }
  return duetPackage(zips, base.handler!, where);
}

/**
 * Publishes fresh versions for environment pairs: every perf function at once, the versions of
 * one function one after the other (Lambda updates a function serially). A batch can be
 * published while the previous one is measured; `cancel` stops a batch no longer needed.
 */
class EnvironmentPairPublisher implements EnvironmentPairSource {
  private cancelled = false;

  constructor(
    private readonly deployer: PerfFunctionDeployer,
    private readonly base: BaseSettings,
    private readonly functionOf: <B extends Build | 'duet'>(build: B, variant: VariantPlan) => PerfFunction<B>,
    /** One duet function per variant: both arms of a target are one version, called with either build. */
    private readonly duet: boolean,
  ) {}

  async publish(variants: readonly VariantPlan[], from: number, to: number): Promise<EnvironmentPairTarget[]> {
    const versions = async <B extends Build | 'duet'>(build: B, variant: VariantPlan): Promise<ArmVersion<B>[]> => {
      const arms: ArmVersion<B>[] = [];
      for (let index = from; index < to && !this.cancelled; index++)
        arms.push(await this.deployer.publish(this.functionOf(build, variant), this.base, `pair-${index}`));
      return arms;
    };
    const perVariant = await Promise.all(
      variants.map(async (variant) => {
        if (!this.duet)
          return {
            variant,
            baseline: await versions('baseline', variant),
            candidate: await versions('candidate', variant),
          };
        const both = await versions('duet', variant);
        return {
          variant,
          baseline: both.map((arm): ArmVersion => ({ ...arm, build: 'baseline' })),
          candidate: both.map((arm): ArmVersion => ({ ...arm, build: 'candidate' })),
        };
      }),
    );
    return perVariant.flatMap(({ variant, baseline, candidate }) =>
      baseline.flatMap((arm, i) =>
        candidate[i] ? [{ variant, index: from + i, baseline: arm, candidate: candidate[i] }] : [],
      ),
    );
  }

  cancel(): void {
    this.cancelled = true;
  }
}

/** The invocations made, a duet environment's first calls included: in no figure, but made and billed. */
function invocationsOf(
  sampler: Sampler,
  variants: readonly VariantPlan[],
  region: string,
): FunctionResult['invocations'] {
  const calls = [...sampler.warmUps, ...sampler.samples];
  return {
    total: calls.length,
    baseline: calls.filter((s) => s.build === 'baseline').length,
    candidate: calls.filter((s) => s.build === 'candidate').length,
    retries: 0,
    costUsd: runCost(calls, variants, region),
  };
}

/** What the measuring invocations cost at list price (first tier). */
function runCost(samples: readonly Sample[], variants: readonly VariantPlan[], region: string): number {
  let cost = 0;
  for (const s of samples) {
    const variant = variants.find((v) => v.id === s.variant);
    const architecture = variant?.architecture ?? 'x86_64';
    cost +=
      (s.billedDurationMs / 1000) * (s.memorySizeMb / 1024) * blendedPricePerGbSecond(architecture, region, 0) +
      requestPriceUsd(region, architecture);
  }
  return cost;
}
