import type { Finding, IntegrationResult, Recommendation, VariantResult, Verdict } from '../analysis/result.js';
import type { MemoryChange, Production } from '../model/production.js';
import type { Architecture } from '../model/architecture.js';
import type { ProfileMode, SamplingDesign, Strategy, TrafficSource } from '../config/types.js';
import type { ProfileNotice, ProfileReport } from './profile.js';

/**
 * Bumped on any change a reader of the JSON report would notice. 5: `functions[].reasons` became
 * `findings`, `environment` became `platform`, and `backend` gained `endpoint`.
 */
export const SCHEMA_VERSION = 5;

/** A regression a pull request's label accepted: a notice that keeps the regression it was. */
interface AcceptedRegression {
  readonly kind: 'notice';
  readonly about: 'accepted-regression';
  readonly label: string;
  readonly variant?: string;
  readonly accepted: ReportedFinding;
}

/** A finding with its sentence: the data the analysis found and the words the report says it in. */
export type ReportedFinding = (Finding | AcceptedRegression) & { readonly message: string; readonly variant?: string };

export interface FunctionResult {
  readonly name: string;
  readonly perfFunction: string;
  readonly verdict: Verdict;
  readonly findings: readonly ReportedFinding[];
  readonly recommended: Recommendation | null;
  /** The production function (the template), read before measuring: its memory size now. */
  readonly production?: Production;
  readonly variants: readonly VariantResult[];
  readonly invocations: {
    readonly total: number;
    readonly baseline: number;
    readonly candidate: number;
    /** Throttled or failed API calls that were retried. */
    readonly retries: number;
    /** What the measuring invocations cost at list price. */
    readonly costUsd: number;
  };
  /** Whether durations scale with memory on the backend measured (false on an unthrottled local service). */
  readonly cpuScaledByMemory: boolean;
  readonly tolerance: number;
  readonly exemplars: readonly { readonly name: string; readonly weight: number }[];
  readonly integration?: IntegrationResult;
  /** Where the time per call went in both builds (profile: on-regression or always), or why not. */
  readonly profile?: ProfileReport | ProfileNotice;
}

/** Where the perf functions ran: AWS Lambda, another Lambda-compatible endpoint, or the local service. */
export type BackendKind = 'aws' | 'endpoint' | 'local';

export interface GateReport {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly tool: { readonly name: 'lambda-perf-gate'; readonly version: string };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly backend: BackendKind;
  readonly region: string;
  readonly endpoint?: string;
  readonly verdict: Verdict;
  readonly summary: string;
  /** What the backend measured on: whether CPU scales with memory there, and what else a reader must know. */
  readonly platform: {
    readonly cpuScaledByMemory: boolean;
    readonly statement: string;
    /** The local host's architecture, on which every variant was measured (local backend only). */
    readonly hostArchitecture?: Architecture;
    /** Where the local host makes the service differ from Lambda (cannot freeze, throttle, limit /tmp...), one sentence each. */
    readonly limitations?: readonly string[];
    /**
     * Local backend: which clock measured. `model`: the CPU time the kernel accounted to each
     * environment, through Lambda's CPU model, plus its own waits; `wall`: the host's wall clock.
     */
    readonly clock?: { readonly kind: 'model' | 'wall'; readonly statement: string };
  };
  readonly settings: {
    readonly confidence: number;
    readonly passConfidence: number;
    /** Warm AB/BA pairs per environment pair (a fresh version of each build, one environment each). */
    readonly pairsPerEnvironment: number;
    /** Environment pairs added per variant at each look, and the cap. */
    readonly batch: number;
    readonly maxEnvironmentPairs: number;
    readonly concurrency: number;
    readonly seed: number;
    /**
     * `duet`: both builds in one package and one environment, called in turn; cold starts not
     * compared, Max Memory Used both builds'. Absent in older reports (`separate`).
     */
    readonly design?: SamplingDesign;
    readonly strategy: Strategy;
    /** When the gate profiled both builds; absent in older reports. */
    readonly profile?: ProfileMode;
    readonly invocationsPerMonth: number;
    /** Whether invocationsPerMonth came from the configuration's `traffic` or is the default; absent in older reports. */
    readonly trafficSource?: TrafficSource;
    readonly coldStartRate: number;
  };
  readonly functions: readonly FunctionResult[];
  /** Set by the action: where the report came from, so a later workflow_run can comment on the right PR. */
  readonly github?: {
    readonly eventName: string;
    readonly ref: string;
    readonly sha: string;
    readonly pullRequest?: number;
  };
  /** Set by the action when apply-memory changed (or left) a production function. */
  readonly memoryChanges?: readonly MemoryChange[];
  /** What was compared and where the run is: commits, branches, the workflow run (action, or CLI inside a workflow). */
  readonly context?: ReportContext;
}

/** A commit the comparison was about: its SHA and, when known, its branch. */
export interface CommitRef {
  readonly sha: string;
  readonly ref?: string;
}

export interface ReportContext {
  /** The code measured as the candidate (a pull request's head). */
  readonly head?: CommitRef;
  /** The code measured as the baseline (the pull request's base, or a push's previous commit). */
  readonly base?: CommitRef;
  /** The workflow run that measured, e.g. https://github.com/acme/orders/actions/runs/123. */
  readonly runUrl?: string;
}
