import type { Budgets } from './budgets.js';
import type { Architecture } from '../model/architecture.js';
import type { PROFILE_MODES, SAMPLING_DESIGNS, STRATEGIES } from './schema.js';

/** The validated configuration the gate runs on; built only by `load.ts`. */

/** Closed sets, declared once in the schema. */
export type Strategy = (typeof STRATEGIES)[number];

export type CodeLocation =
  | { readonly kind: 'directory'; readonly path: string }
  | { readonly kind: 'zip'; readonly path: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly key: string }
  | { readonly kind: 'image'; readonly uri: string }
  | { readonly kind: 'version'; readonly version: string }
  | { readonly kind: 'alias'; readonly alias: string };

export interface ExemplarSpec {
  readonly name: string;
  readonly payload: Buffer;
  readonly weight: number;
  readonly expect?: unknown;
  /** The error type this event is meant to fail with: that answer is the correct one. */
  readonly expectError?: string;
}

export interface VariantSpec {
  readonly name: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly snapStart?: boolean;
}

export interface IntegrationSpec {
  readonly command: string;
  /** Where the command runs: the configuration file's directory. */
  readonly directory: string;
  readonly timeoutS: number;
  readonly repeat: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly maxLogWaitS: number;
  /** Both builds' commands at the same time (paired analysis), or one after the other. */
  readonly concurrent: boolean;
}

export interface FunctionSpec {
  readonly name: string;
  readonly template?: string;
  readonly runtime?: string;
  readonly handler?: string;
  readonly role?: string;
  readonly timeoutS?: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly candidate: CodeLocation;
  readonly baseline: CodeLocation;
  /** This function's directory inside a build output that holds several, relative to it. */
  readonly buildOutput?: string;
  /** Absent: the template's memory size, or 1,024 MB. */
  readonly memory?: readonly number[];
  readonly architectures: readonly Architecture[];
  readonly variants: readonly VariantSpec[];
  readonly exemplars: readonly ExemplarSpec[];
  readonly budgets: Budgets;
  /** The slowdown tolerated (fraction): a regression is estimated above it and shown above half of it. */
  readonly tolerance: number;
  readonly integration?: IntegrationSpec;
  /** Lambda Managed Instances: how the function's capacity is priced (no GB-seconds). */
  readonly managedInstances?: ManagedInstancesSpec;
}

export interface ManagedInstancesSpec {
  readonly instanceType: string;
  /** Instances the capacity provider keeps running, on average over the month. */
  readonly instances: number;
  /** The EC2 on-demand price per hour, where the gate's table lacks the type. */
  readonly usdPerHour?: number;
}

interface SamplingSpec {
  /** Back-to-back warm AB/BA pairs per environment pair, after its two cold calls. */
  readonly pairsPerEnvironment: number;
  /** Environment pairs added per variant at each look. */
  readonly batch: number;
  /** Environment pairs per variant at most. */
  readonly maxEnvironmentPairs: number;
  /** Environment pairs measured at once. */
  readonly concurrency: number;
  readonly confidence: number;
  readonly passConfidence: number;
  readonly seed?: number;
  readonly design: SamplingDesign;
}

/** `separate`: an execution environment per build; `duet`: both builds in each environment. */
export type SamplingDesign = (typeof SAMPLING_DESIGNS)[number];

/** Where the traffic behind a monthly cost came from: the configuration's `traffic`, or the default. */
export type TrafficSource = 'config' | 'default';

/** When the gate profiles both builds: after a regression, on every run, or never. */
export type ProfileMode = (typeof PROFILE_MODES)[number];

export interface GateConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly functions: readonly FunctionSpec[];
  readonly sampling: SamplingSpec;
  readonly strategy: Strategy;
  readonly profile: ProfileMode;
  readonly balancedWeight: number;
  readonly traffic: {
    readonly invocationsPerMonth: number;
    /** Whether the monthly invocations came from the file's `traffic` or are the default. */
    readonly source: TrafficSource;
    readonly coldStartRate: number;
    readonly accountGbSecondsPerMonth?: number;
  };
}
