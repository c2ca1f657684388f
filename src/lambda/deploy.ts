import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
  type CreateFunctionRequest,
  type FunctionCode,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { readFileSync } from 'node:fs';
import type { CodeLocation, FunctionSpec } from '../config/types.js';
import type { VariantPlan } from '../gate/plan.js';
import type { Build } from '../measure/sample.js';
import { describeAwsError } from './infrastructure-error.js';
import { withRetry, type RetryPolicy } from './retry.js';
import { zipDirectory } from './zip-directory.js';

/** Longest the gate waits for a function to become Active or finish an update. */
const WAIT_SECONDS = 300;
const LOCAL_ROLE = 'arn:aws:iam::000000000000:role/lambda-perf-gate-local';

export type CodePayload = { readonly zip: Buffer } | { readonly s3: { bucket: string; key: string } } | { readonly imageUri: string };

export interface DeployedArm {
  readonly build: Build;
  readonly variant: VariantPlan;
  /** Which of the build and variant's versions this is: 0 .. environments - 1. */
  readonly replica: number;
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
interface BaseSettings {
  readonly runtime?: string;
  readonly handler?: string;
  readonly role: string;
  readonly timeoutS?: number;
  readonly memoryMb: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly extra: Partial<CreateFunctionRequest>;
}

/**
 * Deploys and removes the ephemeral perf function: one function per configured function and
 * run, one published version per build and variant. It touches nothing else.
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
    const config = await this.call('GetFunctionConfiguration', template, () => this.context.client.send(new GetFunctionConfigurationCommand({ FunctionName: template })));
    const runtime = spec.runtime ?? config.Runtime;
    const handler = spec.handler ?? config.Handler;
    const timeoutS = spec.timeoutS ?? config.Timeout;
    const extra: Partial<CreateFunctionRequest> = {};
    if (config.Layers?.length) extra.Layers = config.Layers.flatMap((layer) => (layer.Arn ? [layer.Arn] : []));
    if (config.EphemeralStorage) extra.EphemeralStorage = config.EphemeralStorage;
    if (config.VpcConfig?.SubnetIds?.length) extra.VpcConfig = { SubnetIds: config.VpcConfig.SubnetIds, SecurityGroupIds: config.VpcConfig.SecurityGroupIds ?? [] };
    if (config.LoggingConfig?.LogFormat) extra.LoggingConfig = { LogFormat: config.LoggingConfig.LogFormat };
    return {
      ...(runtime ? { runtime } : {}),
      ...(handler ? { handler } : {}),
      role: spec.role ?? config.Role ?? LOCAL_ROLE,
      ...(timeoutS ? { timeoutS } : {}),
      memoryMb: config.MemorySize ?? 1024,
      environment: { ...(config.Environment?.Variables ?? {}), ...spec.environment },
      extra,
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
        const fn = await this.call('GetFunction', `${template}:${qualifier}`, () => this.context.client.send(new GetFunctionCommand({ FunctionName: template, Qualifier: qualifier })));
        if (fn.Code?.ImageUri) return { imageUri: fn.Code.ImageUri };
        const response = await fetch(fn.Code?.Location ?? '').catch((error: unknown) => {
          throw describeAwsError(error, 'GetFunction', `${template}:${qualifier} (code download)`, this.context.endpoint);
        });
        if (!response.ok) throw describeAwsError(new Error(`HTTP ${response.status}`), 'GetFunction', `${template}:${qualifier} (code download)`);
        return { zip: Buffer.from(await response.arrayBuffer()) };
      }
    }
  }

  /**
   * Creates the perf function and publishes a version for each build and variant. `onCreated`
   * runs as soon as the function exists, so cleanup knows of it even if a later step fails.
   */
  async deploy(
    functionName: string,
    base: BaseSettings,
    codes: Readonly<Record<Build, CodePayload>>,
    variants: readonly VariantPlan[],
    onCreated: () => void,
    replicas = 1,
  ): Promise<DeployedArm[]> {
    const { client } = this.context;
    const first = variants[0]!;
    const environment = (build: Build, variant: VariantPlan, replica = 0) => ({
      ...base.environment,
      ...variant.environment,
      // Also keeps identical builds (an A/A run), and the replicas of one, on distinct versions,
      // so each gets its own environments and cold starts.
      LAMBDA_PERF_GATE_BUILD: build,
      LAMBDA_PERF_GATE_VARIANT: variant.id,
      ...(replicas > 1 ? { LAMBDA_PERF_GATE_REPLICA: String(replica) } : {}),
    });
    const isImage = 'imageUri' in codes.baseline;
    await this.call('CreateFunction', functionName, () =>
      client.send(
        new CreateFunctionCommand({
          FunctionName: functionName,
          Role: base.role,
          ...(isImage ? { PackageType: 'Image' } : { Runtime: base.runtime as never, Handler: base.handler }),
          ...(base.timeoutS ? { Timeout: base.timeoutS } : {}),
          MemorySize: first.memoryMb,
          Architectures: [first.architecture],
          Environment: { Variables: environment('baseline', first) },
          Code: toFunctionCode(codes.baseline),
          Description: 'Ephemeral function of lambda-perf-gate; deleted when the run ends.',
          Tags: { 'lambda-perf-gate': 'ephemeral' },
          ...base.extra,
        }),
      ),
    );
    onCreated();
    await this.waitActive(functionName);
    const arms: DeployedArm[] = [];
    let currentBuild: Build = 'baseline';
    let currentArchitecture = first.architecture;
    for (const build of ['baseline', 'candidate'] as const) {
      for (const variant of variants) {
        if (build !== currentBuild || variant.architecture !== currentArchitecture) {
          await this.call('UpdateFunctionCode', functionName, () =>
            client.send(new UpdateFunctionCodeCommand({ FunctionName: functionName, ...toFunctionCode(codes[build]), Architectures: [variant.architecture] })),
          );
          await this.waitUpdated(functionName);
          currentBuild = build;
          currentArchitecture = variant.architecture;
        }
        for (let replica = 0; replica < replicas; replica++) {
          await this.call('UpdateFunctionConfiguration', functionName, () =>
            client.send(
              new UpdateFunctionConfigurationCommand({
                FunctionName: functionName,
                MemorySize: variant.memoryMb,
                Environment: { Variables: environment(build, variant, replica) },
                ...(variant.snapStart ? { SnapStart: { ApplyOn: 'PublishedVersions' } } : {}),
              }),
            ),
          );
          await this.waitUpdated(functionName);
          const label = `${build} ${variant.id}${replicas > 1 ? ` #${replica + 1}` : ''}`;
          const published = await this.call('PublishVersion', functionName, () => client.send(new PublishVersionCommand({ FunctionName: functionName, Description: label })));
          if (!published.Version) throw describeAwsError(new Error('no version in the answer'), 'PublishVersion', functionName);
          if (variant.snapStart) await this.waitActive(functionName, published.Version);
          this.context.progress(`published ${label} as version ${published.Version}`);
          arms.push({ build, variant, replica, qualifier: published.Version, functionArn: published.FunctionArn ?? `${functionName}:${published.Version}` });
        }
      }
    }
    return arms;
  }

  /** Deletes the function and all its versions; a function already gone is fine. */
  async remove(functionName: string): Promise<void> {
    try {
      await this.call('DeleteFunction', functionName, () => this.context.client.send(new DeleteFunctionCommand({ FunctionName: functionName })));
    } catch (error) {
      if (!/was not found/.test((error as Error).message)) throw error;
    }
  }

  private async waitActive(functionName: string, qualifier?: string): Promise<void> {
    await this.call('GetFunction', functionName, () =>
      waitUntilFunctionActiveV2({ client: this.context.client, maxWaitTime: WAIT_SECONDS, minDelay: 1 }, { FunctionName: functionName, ...(qualifier ? { Qualifier: qualifier } : {}) }),
    );
  }

  private async waitUpdated(functionName: string): Promise<void> {
    await this.call('GetFunction', functionName, () => waitUntilFunctionUpdatedV2({ client: this.context.client, maxWaitTime: WAIT_SECONDS, minDelay: 1 }, { FunctionName: functionName }));
  }
}

/** The code fields, as CreateFunction nests them under Code and UpdateFunctionCode takes them flat. */
function toFunctionCode(code: CodePayload): FunctionCode {
  if ('zip' in code) return { ZipFile: code.zip };
  if ('s3' in code) return { S3Bucket: code.s3.bucket, S3Key: code.s3.key };
  return { ImageUri: code.imageUri };
}
