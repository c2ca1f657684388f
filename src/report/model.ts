import type { ArmStats } from '../analysis/arm-stats.js';
import type { BudgetCheck } from '../analysis/budgets.js';
import type { MetricComparison } from '../analysis/comparison.js';
import type { Architecture, Strategy } from '../config/types.js';

/** Bumped on any change a reader of the JSON report would notice. */
export const SCHEMA_VERSION = 3;

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface Reason {
  readonly kind:
    'regression' | 'budget' | 'wrong-answer' | 'test-failure' | 'inconclusive' | 'baseline-error' | 'notice';
  readonly message: string;
  readonly variant?: string;
}

export interface VariantResult {
  readonly id: string;
  readonly memoryMb: number;
  readonly architecture: Architecture;
  readonly name: string;
  readonly baseline: ArmStats;
  readonly candidate: ArmStats;
  readonly comparisons: readonly MetricComparison[];
  /** The candidate's figures against the budgets. */
  readonly budgets: readonly BudgetCheck[];
  /** Candidate cost per invocation against the baseline's, in percent; null when a build never answered. */
  readonly costChangePercent: number | null;
  /** Set when sampling stopped early because a build failed every call: why. */
  readonly stopped?: string;
  /**
   * Set when the timings were taken on a host of another architecture than the variant's (the
   * local backend runs every variant on its own CPU): the architecture they were measured on.
   * Such a variant is never recommended.
   */
  readonly measuredOn?: Architecture;
}

export interface IntegrationRun {
  readonly build: 'baseline' | 'candidate';
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  readonly outputTail: string;
  /** REPORT lines collected from CloudWatch Logs for this run. */
  readonly invocations: number;
  /** START lines seen: invocations that began in the window. */
  readonly starts: number;
  /** Whether every started invocation's REPORT line arrived before the wait ended. */
  readonly complete: boolean;
  readonly logWaitMs: number;
}

/** The project's integration tests as a traffic profile: measured on both builds, compared alike. */
export interface IntegrationResult {
  readonly command: string;
  readonly variant: string;
  /** `concurrent`: both builds' runs side by side, invocations paired; `sequential`: whole runs compared. */
  readonly mode: 'concurrent' | 'sequential';
  readonly runs: readonly IntegrationRun[];
  readonly baseline: ArmStats;
  readonly candidate: ArmStats;
  readonly comparisons: readonly MetricComparison[];
  readonly budgets: readonly BudgetCheck[];
}

export interface FunctionResult {
  readonly name: string;
  readonly perfFunction: string;
  readonly verdict: Verdict;
  readonly reasons: readonly Reason[];
  readonly recommended: {
    readonly variant: string;
    readonly memory: number;
    readonly architecture: Architecture;
    readonly strategy: Strategy;
    readonly why: string;
  } | null;
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
}

export interface GateReport {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly tool: { readonly name: 'lambda-perf-gate'; readonly version: string };
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly backend: 'aws' | 'local';
  readonly region: string;
  readonly endpoint?: string;
  readonly verdict: Verdict;
  readonly summary: string;
  readonly environment: {
    readonly cpuScaledByMemory: boolean;
    readonly statement: string;
    /** The local host's architecture, on which every variant was measured (local backend only). */
    readonly hostArchitecture?: Architecture;
    /** Where the local host makes the service differ from Lambda (cannot freeze, throttle, limit /tmp...), one sentence each. */
    readonly limitations?: readonly string[];
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
    readonly strategy: Strategy;
    readonly invocationsPerMonth: number;
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

export interface MemoryChange {
  readonly function: string;
  readonly from: number;
  readonly to: number;
  readonly applied: boolean;
  readonly note: string;
}

/** The worst of several verdicts: fail over inconclusive over pass. */
export function worstVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}

/** What each kind of finding does to a function's verdict; a new kind must say. */
const VERDICT_OF_REASON: Readonly<Record<Reason['kind'], Verdict>> = {
  regression: 'fail',
  budget: 'fail',
  'wrong-answer': 'fail',
  'test-failure': 'fail',
  inconclusive: 'inconclusive',
  'baseline-error': 'pass',
  notice: 'pass',
};

/** A function's verdict from its findings. */
export function verdictOf(reasons: readonly Reason[]): Verdict {
  return worstVerdict(reasons.map((r) => VERDICT_OF_REASON[r.kind]));
}
