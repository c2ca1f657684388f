import type { Architecture } from '../model/architecture.js';
import type { Strategy } from '../config/types.js';
import type { Build } from '../model/sample.js';
import type { ArmStats } from './arm-stats.js';
import type { BudgetCheck } from './budgets.js';
import type { MetricComparison, MetricName } from './comparison.js';
import type { ExemplarChange } from './exemplar-changes.js';

/** What the analysis concludes: per variant, the integration profile, and the findings that make the verdict. */

export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** What a finding does to the verdict: fail (the first four), inconclusive, or nothing (the last two). */
type FindingKind =
  'regression' | 'budget' | 'wrong-answer' | 'test-failure' | 'inconclusive' | 'baseline-error' | 'notice';

/** Which traffic a comparison or budget is about: the exemplars at a variant, or the integration profile. */
type Traffic = 'exemplars' | 'integration';

/** How many of a build's calls of one exemplar failed. */
interface FailureCount {
  readonly failed: number;
  readonly calls: number;
}

/** A build that failed every call of an exemplar: its counts and the error it failed with most often. */
export interface EveryCallFailed extends FailureCount {
  readonly errorType: string;
  /** What the error document said, when it said something. */
  readonly errorMessage?: string;
}

/**
 * One thing the gate found about a function, as data: what kind of finding it is (which decides
 * the verdict) and what it is about, with the figures that say it. The words are the report's
 * (report/findings.ts); a comparison is named by its variant and metric, and its figures are the
 * variant's (or the integration profile's) comparison of that metric.
 */
export type Finding =
  | {
      readonly kind: 'regression' | 'inconclusive';
      readonly about: 'comparison';
      readonly traffic: Traffic;
      readonly variant: string;
      readonly metric: MetricName;
    }
  | {
      readonly kind: 'budget';
      readonly about: 'budget';
      readonly traffic: Traffic;
      readonly variant: string;
      readonly check: BudgetCheck;
      /** A latency budget that no variant meets (so no other memory size would help). */
      readonly noVariantMeetsIt: boolean;
    }
  | {
      readonly kind: 'wrong-answer' | 'baseline-error';
      readonly about: 'wrong-answers';
      readonly exemplar: string;
      readonly build: Build;
      readonly wrong: number;
      readonly calls: number;
      /** The first wrong answer, as the expectation check described it. */
      readonly example: string;
    }
  | {
      /** wrong-answer: beyond chance or on every call; notice: alike in both builds, or too few to tell. */
      readonly kind: 'wrong-answer' | 'baseline-error' | 'notice';
      readonly about: 'errors';
      readonly exemplar: string;
      readonly errorType: string;
      readonly candidate: FailureCount;
      readonly baseline: FailureCount;
    }
  | {
      /**
       * Both builds failed every call of the exemplar (a handler that is not there, an import
       * error, a timeout): nothing was measured, and neither build can be called working.
       */
      readonly kind: 'wrong-answer';
      readonly about: 'never-runs';
      readonly exemplar: string;
      readonly candidate: EveryCallFailed;
      readonly baseline: EveryCallFailed;
    }
  | {
      readonly kind: 'test-failure' | 'baseline-error';
      readonly about: 'integration-command';
      readonly build: Build;
      readonly command: string;
      readonly exitCode: number | null;
      readonly signal: string | null;
      readonly timedOut: boolean;
      /** The last lines of the command's output. */
      readonly outputTail: string;
    }
  | {
      readonly kind: 'notice';
      readonly about: 'integration-incomplete';
      readonly build: Build;
      readonly invocations: number;
      readonly starts: number;
    }
  | {
      readonly kind: 'notice';
      readonly about: 'measured-on';
      readonly variant: string;
      readonly architecture: Architecture;
      readonly host: Architecture;
    }
  | {
      /**
       * Variants whose warm duration was shown not to regress but whose cold starts were not shown
       * unchanged (their comparison undecided, or no clean cold starts to compare): there the
       * verdict covers warm duration only.
       */
      readonly kind: 'notice';
      readonly about: 'cold-not-shown';
      readonly variants: readonly string[];
    }
  | {
      /** A sentence from elsewhere: the local host's limitation, or the price table's note. */
      readonly kind: 'notice';
      readonly about: 'host-limitation' | 'price';
      readonly text: string;
    };

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
  /** Each exemplar's warm change at this variant (which event got slower); absent in older reports. */
  readonly exemplars?: readonly ExemplarChange[];
  /**
   * Set when the timings were taken on a host of another architecture than the variant's (the
   * local backend runs every variant on its own CPU): the architecture they were measured on.
   * Such a variant is never recommended.
   */
  readonly measuredOn?: Architecture;
}

export interface IntegrationRun {
  readonly build: Build;
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

/** The memory size (and architecture) the gate recommends, by which strategy, and why. */
export interface Recommendation {
  readonly variant: string;
  readonly memory: number;
  readonly architecture: Architecture;
  readonly strategy: Strategy;
  readonly why: string;
}

/** The worst of several verdicts: fail over inconclusive over pass. */
export function worstVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}

/** What each kind of finding does to a function's verdict; a new kind must say. */
const VERDICT_OF_KIND: Readonly<Record<FindingKind, Verdict>> = {
  regression: 'fail',
  budget: 'fail',
  'wrong-answer': 'fail',
  'test-failure': 'fail',
  inconclusive: 'inconclusive',
  'baseline-error': 'pass',
  notice: 'pass',
};

/** A function's verdict from its findings. */
export function verdictOf(findings: readonly Pick<Finding, 'kind'>[]): Verdict {
  return worstVerdict(findings.map((f) => VERDICT_OF_KIND[f.kind]));
}
