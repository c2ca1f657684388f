import { mkdir, writeFile } from 'node:fs/promises';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { join } from 'node:path';
import type { ExemplarSpec } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { createLambdaClient } from '../lambda/client.js';
import {
  PerfFunctionDeployer,
  separatePlans,
  type BaseSettings,
  type CodePayload,
  type ArmVersion,
} from '../lambda/deploy.js';
import { invokeForReport } from '../lambda/invoke.js';
import { DEFAULT_RETRY } from '../lambda/retry.js';
import { startLocalLambda, type LocalLambda } from '../local-lambda/service.js';
import type { Build } from '../model/sample.js';
import type { VariantPlan } from '../model/variant.js';
import { environmentProfile, profileChanges } from './changes.js';
import type { BackendKind } from '../result/model.js';
import type { ProfileNotice, ProfileReport } from '../result/profile.js';
import { mergedProfileFile } from './profile-files.js';
import { readPostedProfile, type StackSamples } from './samples.js';

export interface ProfileOptions {
  readonly functionName: string;
  readonly base: BaseSettings;
  readonly codes: Readonly<Record<Build, CodePayload>>;
  readonly variant: VariantPlan;
  /** The exemplars in the order and proportions the gate measured them. */
  readonly exemplars: readonly ExemplarSpec[];
  readonly region: string;
  /** Where the gate measured the verdict. */
  readonly measuredOn: BackendKind;
  /** Where the merged profiles go; none are written without it. */
  readonly directory?: string;
  readonly progress?: (line: string) => void;
  /** Environment pairs, and measured calls per environment after the warm-up. */
  readonly environmentPairs?: number;
  readonly callsPerEnvironment?: number;
}

/** Node.js samples every 100 us (V8's sampler is cheap); the Python client samples at 1 ms at most. */
const NODE_INTERVAL_US = 100;
const PYTHON_INTERVAL_US = 1000;
/** Calls of each environment that are not profiled: the cold one and the JIT's first warm ones. */
const WARM_UP_CALLS = 3;
/** The client context that starts or stops a runtime client's profiling session (local-lambda/runtimes/node-client.cjs). */
const controlContext = (order: 'start' | 'stop'): string =>
  Buffer.from(JSON.stringify({ custom: { 'lambda-perf-gate-profile': order } })).toString('base64');

const PROFILER = {
  node: "V8's sampling profiler",
  python: "the runtime client's stack sampler (a thread that reads the main thread's stack)",
} as const;

/** Starts or stops the profiling session of one environment; the handler never sees it. */
async function controlProfile(client: LambdaClient, arm: ArmVersion, order: 'start' | 'stop'): Promise<void> {
  const output = await client.send(
    new InvokeCommand({
      FunctionName: arm.functionName,
      Qualifier: arm.qualifier,
      ClientContext: controlContext(order),
    }),
  );
  if (output.FunctionError)
    throw new Error(`the runtime client could not ${order} profiling (${output.FunctionError})`);
}

/**
 * Profiles both builds on the embedded local service, whatever backend measured the verdict:
 * a service of its own, started for this and stopped after it, so nothing here touches the
 * measurements or is counted among them. Each environment pair is one fresh environment of each
 * build, called in turn with the same exemplars; the first calls warm it up, the rest are
 * profiled.
 */
export async function profileBuilds(options: ProfileOptions): Promise<ProfileReport | ProfileNotice> {
  const runtime = options.base.runtime ?? '';
  const kind = runtime.startsWith('nodejs') ? 'node' : runtime.startsWith('python') ? 'python' : undefined;
  if (!kind)
    return {
      notice: `not profiled: the local service profiles Node.js and Python functions, not ${runtime || 'container images'}`,
    };
  if (!('zip' in options.codes.baseline) || !('zip' in options.codes.candidate))
    return { notice: 'not profiled: a build is not local code (S3 or an image), which the local service cannot run' };
  const pairs = options.environmentPairs ?? 16;
  const calls = options.callsPerEnvironment ?? 8;
  const progress = options.progress ?? (() => undefined);
  progress(`${options.functionName}: profiling both builds on the local service (${pairs} environment pairs)`);
  let service: LocalLambda | undefined;
  let client: LambdaClient | undefined;
  try {
    service = await startLocalLambda({
      requireAuth: true,
      region: options.region,
      profileIntervalUs: kind === 'node' ? NODE_INTERVAL_US : PYTHON_INTERVAL_US,
      // Profiles count samples, not Durations: binding environments to one CPU buys nothing here,
      // and V8's sampler thread, waking every 100 µs, would share that CPU with what it samples.
      environmentCpus: 'all',
    });
    client = createLambdaClient({
      region: options.region,
      endpoint: service.endpoint,
      ...(service.accessKey ? { localKey: service.accessKey } : {}),
      maxAttempts: 3,
    });
    const profiled = (await collectProfiles(service, client, options, pairs, calls)).filter(
      (p) => p.baseline.length && p.candidate.length,
    );
    // Fewer than three pairs say nothing about noise: no claim, rather than "nothing changed".
    if (profiled.length < 3)
      return {
        notice: `not profiled: only ${profiled.length} of ${pairs} environment pairs gave a readable profile of both builds`,
      };
    const changes = profileChanges(
      profiled.map((p) => ({
        baseline: environmentProfile(p.baseline, calls),
        candidate: environmentProfile(p.candidate, calls),
      })),
    );
    const files = options.directory
      ? await writeProfiles(options.directory, options.functionName, profiled).catch((error: unknown) => {
          progress(`${options.functionName}: the profiles could not be written: ${errorMessage(error)}`);
          return undefined;
        })
      : undefined;
    return {
      backend: 'local',
      statement: `Profiled on the embedded local service with ${PROFILER[kind]}${
        {
          aws: '; the verdict was measured on AWS',
          endpoint: '; the verdict was measured on the Lambda-compatible endpoint',
          local: '',
        }[options.measuredOn]
      }.`,
      variant: options.variant.id,
      exemplars: [...new Set(options.exemplars)].map((e) => ({
        name: e.name,
        weight: options.exemplars.filter((x) => x === e).length,
      })),
      samplingIntervalUs: kind === 'node' ? NODE_INTERVAL_US : PYTHON_INTERVAL_US,
      environmentPairs: profiled.length,
      callsPerEnvironment: calls,
      changes,
      ...(files ? { files } : {}),
    };
  } catch (error) {
    return { notice: `not profiled: ${errorMessage(error)}` };
  } finally {
    client?.destroy();
    await service?.stop().catch(() => undefined);
  }
}

/** Each environment pair's profiles: one environment of each build, called in turn. */
async function collectProfiles(
  service: LocalLambda,
  client: LambdaClient,
  options: ProfileOptions,
  pairs: number,
  calls: number,
): Promise<Record<Build, StackSamples[]>[]> {
  const deployer = new PerfFunctionDeployer({
    client,
    retry: DEFAULT_RETRY,
    endpoint: service.endpoint,
    onRetry: () => undefined,
    progress: () => undefined,
  });
  const base: BaseSettings = { ...options.base, memoryMb: options.variant.memoryMb, extra: {} };
  const functions = await deployer.createFunctions(
    base,
    separatePlans(`lpg-profile-${options.functionName}`.slice(0, 60), options.codes, [options.variant]),
    () => undefined,
  );
  const sequence = options.exemplars;
  const profiled: Record<Build, StackSamples[]>[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    const arms = await Promise.all(functions.map((fn) => deployer.publish(fn, base, `profile-${pair}`)));
    for (let call = 0; call < WARM_UP_CALLS + calls; call++) {
      if (call === WARM_UP_CALLS) for (const arm of arms) await controlProfile(client, arm, 'start');
      const exemplar = sequence[(pair + call) % sequence.length]!;
      // Which build goes first alternates, so neither always meets the other's after-effects.
      for (const arm of (pair + call) % 2 === 0 ? arms : [...arms].reverse())
        await invokeForReport(
          client,
          arm.functionName,
          arm.qualifier,
          exemplar.payload,
          DEFAULT_RETRY,
          () => undefined,
        );
    }
    const taken: Record<Build, StackSamples[]> = { baseline: [], candidate: [] };
    for (const arm of arms) {
      await controlProfile(client, arm, 'stop');
      // One profile per environment: the one its stop posted.
      const [posted] = service.takeProfiles(arm.functionName, arm.qualifier);
      const read = posted && readPostedProfile(posted.body);
      taken[arm.build] = read ? [read] : [];
    }
    profiled.push(taken);
  }
  return profiled;
}

async function writeProfiles(
  directory: string,
  functionName: string,
  profiled: readonly Readonly<Record<Build, StackSamples[]>>[],
): Promise<Record<Build, string>> {
  await mkdir(directory, { recursive: true });
  const safe = functionName.replace(/[^A-Za-z0-9_.-]/g, '_');
  const paths = {} as Record<Build, string>;
  for (const build of ['baseline', 'candidate'] as const) {
    const { extension, text } = mergedProfileFile(profiled.flatMap((p) => p[build]));
    paths[build] = join(directory, `lambda-perf-profile-${safe}-${build}.${extension}`);
    await writeFile(paths[build], text);
  }
  return paths;
}
