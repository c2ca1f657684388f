import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type CreateFunctionRequest,
  type FunctionCode,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { readFileSync } from 'node:fs';
import type { CodeLocation, FunctionSpec } from '../config/types.js';
import type { VariantPlan } from '../model/variant.js';
import type { Build } from '../model/sample.js';
import type { Production } from '../model/production.js';
import { gateVariables } from '../model/lambda-environment.js';
import { assertNever } from '../assert-never.js';
import { describeAwsError, isInfrastructureError } from './infrastructure-error.js';
import { withRetry, type RetryPolicy } from './retry.js';
import { zipDirectory } from './zip-directory.js';
import { UsageError } from '../errors.js';

/** Longest the gate waits for a function to become Active or finish an update. */
const WAIT_SECONDS = 300;
const LOCAL_ROLE = 'arn:aws:iam::000000000000:role/lambda-perf-gate-local';

export type CodePayload =
  { readonly zip: Buffer } | { readonly s3: { bucket: string; key: string } } | { readonly imageUri: string };

/**
 * One perf function: a build at a variant, or both builds at a variant (`duet`, the package of
 * `duet-package.ts`). Its versions differ only in one environment variable.
 */
export interface PerfFunction<B extends Build | 'duet' = Build | 'duet'> {
  readonly name: string;
  readonly build: B;
  readonly variant: VariantPlan;
}

/** A perf function to create: its code and, for a duet, the dispatcher's handler. */
export interface PerfFunctionPlan<B extends Build | 'duet' = Build | 'duet'> extends PerfFunction<B> {
  readonly code: CodePayload;
  readonly handler?: string;
}

/** One published version of an arm's perf function: a build's (by default), or a duet's, which holds both builds. */
export interface ArmVersion<B extends Build | 'duet' = Build> {
  /** The perf function the version belongs to. */
  readonly functionName: string;
  readonly build: B;
  readonly variant: VariantPlan;
  /** The published version to invoke. */
  readonly qualifier: string;
  /** Its qualified ARN. */
  readonly functionArn: string;
}

export interface DeployContext {
  readonly client: LambdaClient;
  readonly retry: RetryPolicy;
  readonly endpoint?: string;
  readonly onRetry: () => void;
  readonly progress: (message: string) => void;
}

/** What the template says, or the settings given in the file. */
export interface BaseSettings {
  readonly runtime?: string;
  readonly handler?: string;
  readonly role: string;
  readonly timeoutS?: number;
  readonly memoryMb: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly extra: Partial<CreateFunctionRequest>;
  /** The template (the production function): its name and the memory it runs with now, where it said. */
  readonly production?: Production;
}

/**
 * Deploys and removes the ephemeral perf functions: one per build and variant of a configured
 * function, and a fresh published version of each for every environment pair. It touches
 * nothing else.
 */
export class PerfFunctionDeployer {
  constructor(private readonly context: DeployContext) {}

  private async call<T>(action: string, resource: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(operation, this.context.retry, this.context.onRetry);
    } catch (error) {
      throw describeAwsError(error, action, resource, this.context.endpoint);
    }
  }

  /** The template's settings (read only), or the file's. */
  async baseSettings(spec: FunctionSpec): Promise<BaseSettings> {
    if (!spec.template) {
      return {
        ...(spec.runtime ? { runtime: spec.runtime } : {}),
        ...(spec.handler ? { handler: spec.handler } : {}),
        role: spec.role ?? LOCAL_ROLE,
        ...(spec.timeoutS ? { timeoutS: spec.timeoutS } : {}),
        memoryMb: 1024,
        environment: spec.environment,
        extra: {},
      };
    }
    const template = spec.template;
    const config = await this.call('GetFunctionConfiguration', template, () =>
      this.context.client.send(new GetFunctionConfigurationCommand({ FunctionName: template })),
    );
    const runtime = spec.runtime ?? config.Runtime;
    const handler = spec.handler ?? config.Handler;
    const timeoutS = spec.timeoutS ?? config.Timeout;
    const extra: Partial<CreateFunctionRequest> = {};
    if (config.Layers?.length) extra.Layers = config.Layers.flatMap((layer) => (layer.Arn ? [layer.Arn] : []));
    if (config.EphemeralStorage) extra.EphemeralStorage = config.EphemeralStorage;
    if (config.VpcConfig?.SubnetIds?.length)
      extra.VpcConfig = {
        SubnetIds: config.VpcConfig.SubnetIds,
        SecurityGroupIds: config.VpcConfig.SecurityGroupIds ?? [],
      };
    if (config.LoggingConfig?.LogFormat) extra.LoggingConfig = { LogFormat: config.LoggingConfig.LogFormat };
    // Settings Lambda takes only at creation: a perf function without them would be another
    // kind of function (on-demand instead of Managed Instances, not tenant-isolated, not durable).
    if (config.TenancyConfig) extra.TenancyConfig = config.TenancyConfig;
    if (config.DurableConfig) extra.DurableConfig = config.DurableConfig;
    if (config.CapacityProviderConfig) extra.CapacityProviderConfig = config.CapacityProviderConfig;
    if (config.CapacityProviderConfig && !spec.managedInstances) {
      const provider =
        config.CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig?.CapacityProviderArn ??
        'its capacity provider';
      // The configuration's mistake, found on reading the template, before anything is created.
      throw new UsageError(
        `${spec.name}: the template ${template} runs on Lambda Managed Instances (${provider}), billed by instance rather than GB-second; set managed-instances.instance-type (and instances) for this function so its cost is priced as the EC2 instances + 15% + requests`,
      );
    }
    return {
      ...(runtime ? { runtime } : {}),
      ...(handler ? { handler } : {}),
      role: spec.role ?? config.Role ?? LOCAL_ROLE,
      ...(timeoutS ? { timeoutS } : {}),
      memoryMb: config.MemorySize ?? 1024,
      environment: { ...(config.Environment?.Variables ?? {}), ...spec.environment },
      extra,
      production: { function: template, ...(config.MemorySize ? { memoryMb: config.MemorySize } : {}) },
    };
  }

  /** The bytes (or location) of a build's code; a template version or alias is downloaded. */
  async codeFor(location: CodeLocation, spec: FunctionSpec): Promise<CodePayload> {
    switch (location.kind) {
      case 'directory':
        return { zip: zipDirectory(location.path) };
      case 'zip':
        return { zip: readFileSync(location.path) };
      case 's3':
        return { s3: { bucket: location.bucket, key: location.key } };
      case 'image':
        return { imageUri: location.uri };
      case 'version':
      case 'alias': {
        const qualifier = location.kind === 'version' ? location.version : location.alias;
        const template = spec.template ?? '';
        const fn = await this.call('GetFunction', `${template}:${qualifier}`, () =>
          this.context.client.send(new GetFunctionCommand({ FunctionName: template, Qualifier: qualifier })),
        );
        if (fn.Code?.ImageUri) return { imageUri: fn.Code.ImageUri };
        const response = await fetch(fn.Code?.Location ?? '').catch((error: unknown) => {
          throw describeAwsError(
            error,
            'GetFunction',
            `${template}:${qualifier} (code download)`,
            this.context.endpoint,
          );
        });
        if (!response.ok)
          throw describeAwsError(
            new Error(`HTTP ${response.status}`),
            'GetFunction',
            `${template}:${qualifier} (code download)`,
          );
        return { zip: Buffer.from(await response.arrayBuffer()) };
      }
      default:
        return assertNever(location, 'code location');
    }
  }

  /**
   * Creates the perf functions, all at once (one function's updates are serial on Lambda, so
   * separate functions let versions be published in parallel). `onCreating` runs before each is
   * asked for, so cleanup knows of it even if the process dies while the request is in flight
   * (deleting a function that never came to be is harmless).
   */
  async createFunctions<B extends Build | 'duet'>(
    base: BaseSettings,
    functions: readonly PerfFunctionPlan<B>[],
    onCreating: (functionName: string) => void,
  ): Promise<PerfFunction<B>[]> {
    const settled = await Promise.allSettled(
      functions.map(async ({ name, build, variant, code, handler }) => {
        const isImage = 'imageUri' in code;
        onCreating(name);
        await this.call('CreateFunction', name, () =>
          this.context.client.send(
            new CreateFunctionCommand({
              FunctionName: name,
              Role: base.role,
              ...(isImage
                ? { PackageType: 'Image' }
                : { Runtime: base.runtime as never, Handler: handler ?? base.handler }),
              ...(base.timeoutS ? { Timeout: base.timeoutS } : {}),
              MemorySize: variant.memoryMb,
              Architectures: [variant.architecture],
              Environment: { Variables: this.environment(base, build, variant, 'created') },
              ...(variant.snapStart ? { SnapStart: { ApplyOn: 'PublishedVersions' } } : {}),
              Code: toFunctionCode(code),
              Description: 'Ephemeral function of lambda-perf-gate; deleted when the run ends.',
              Tags: { 'lambda-perf-gate': 'ephemeral' },
              ...base.extra,
            }),
          ),
        );
        await this.waitActive(name);
      }),
    );
    const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
    return functions.map(({ name, build, variant }) => ({ name, build, variant }));
  }

  /**
   * Publishes a fresh version of a perf function: its environment variable
   * LAMBDA_PERF_GATE_ENVIRONMENT changes to `label`, so the version is new and gets execution
   * environments of its own. SnapStart versions are waited for (their snapshot takes minutes).
   */
  async publish<B extends Build | 'duet'>(
    fn: PerfFunction<B>,
    base: BaseSettings,
    label: string,
  ): Promise<ArmVersion<B>> {
    const { client } = this.context;
    await this.call('UpdateFunctionConfiguration', fn.name, () =>
      client.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: fn.name,
          Environment: { Variables: this.environment(base, fn.build, fn.variant, label) },
        }),
      ),
    );
    await this.waitUpdated(fn.name);
    const description = `${fn.build} ${fn.variant.id} ${label}`;
    const published = await this.call('PublishVersion', fn.name, () =>
      client.send(new PublishVersionCommand({ FunctionName: fn.name, Description: description })),
    );
    if (!published.Version) throw describeAwsError(new Error('no version in the answer'), 'PublishVersion', fn.name);
    if (fn.variant.snapStart) await this.waitActive(fn.name, published.Version);
    return {
      functionName: fn.name,
      build: fn.build,
      variant: fn.variant,
      qualifier: published.Version,
      functionArn: published.FunctionArn ?? `${fn.name}:${published.Version}`,
    };
  }

  private environment(
    base: BaseSettings,
    build: Build | 'duet',
    variant: VariantPlan,
    label: string,
  ): Record<string, string> {
    return {
      ...base.environment,
      ...variant.environment,
      ...gateVariables(build, variant.id, label),
    };
  }

  /** Deletes the function and all its versions; a function already gone is fine. */
  async remove(functionName: string): Promise<void> {
    try {
      await this.call('DeleteFunction', functionName, () =>
        this.context.client.send(new DeleteFunctionCommand({ FunctionName: functionName })),
      );
    } catch (error) {
      if (!isInfrastructureError(error, 'not-found')) throw error;
    }
  }

  private async waitActive(functionName: string, qualifier?: string): Promise<void> {
    await this.call('GetFunction', functionName, () =>
      waitUntilFunctionActiveV2(
        { client: this.context.client, maxWaitTime: WAIT_SECONDS, minDelay: 1 },
        { FunctionName: functionName, ...(qualifier ? { Qualifier: qualifier } : {}) },
      ),
    );
  }

  private async waitUpdated(functionName: string): Promise<void> {
    await this.call('GetFunction', functionName, () =>
      waitUntilFunctionUpdatedV2(
        { client: this.context.client, maxWaitTime: WAIT_SECONDS, minDelay: 1 },
        { FunctionName: functionName },
      ),
    );
  }
}

/** One perf function per build and variant, each with its build's code. */
export function separatePlans(
  baseName: string,
  codes: Readonly<Record<Build, CodePayload>>,
  variants: readonly VariantPlan[],
): PerfFunctionPlan<Build>[] {
  return variants.flatMap((variant, index) =>
    (['baseline', 'candidate'] as const).map((build) => ({
      name: perfFunctionVariantName(baseName, build, index),
      build,
      variant,
      code: codes[build],
    })),
  );
}

/** One duet perf function per variant: both builds in one package, behind the dispatcher. */
export function duetPlans(
  baseName: string,
  zip: Buffer,
  handler: string,
  variants: readonly VariantPlan[],
): PerfFunctionPlan<'duet'>[] {
  return variants.map((variant, index) => ({
    name: perfFunctionVariantName(baseName, 'duet', index),
    build: 'duet' as const,
    variant,
    code: { zip },
    handler,
  }));
}

/** The name of one build and variant's perf function: the run's name and a short suffix, within Lambda's 64 characters. */
function perfFunctionVariantName(baseName: string, build: Build | 'duet', variantIndex: number): string {
  const suffix = `-${build === 'baseline' ? 'b' : build === 'candidate' ? 'c' : 'd'}${variantIndex}`;
  return `${baseName.slice(0, 64 - suffix.length)}${suffix}`;
}

/** The code fields, as CreateFunction nests them under Code and UpdateFunctionCode takes them flat. */
function toFunctionCode(code: CodePayload): FunctionCode {
  if ('zip' in code) return { ZipFile: code.zip };
  if ('s3' in code) return { S3Bucket: code.s3.bucket, S3Key: code.s3.key };
  return { ImageUri: code.imageUri };
}
