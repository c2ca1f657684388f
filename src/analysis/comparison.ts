import { coldLatencyMs, type Build, type Sample } from '../model/sample.js';
import { comparePaired, compareShift, holm, type ShiftComparison } from './statistics.js';

export type MetricName = 'warm' | 'cold';
export type Outcome = 'regression' | 'no-regression' | 'inconclusive';

export interface ComparisonRules {
  /** Family-wise false-alarm rate for regressions: 1 - confidence. */
  readonly alpha: number;
  /** Allowed rate of declaring "no regression" when one at the tolerance exists. */
  readonly beta: number;
  /** The regression tolerated, as a fraction (0.05 = 5%). */
  readonly tolerance: number;
}

/** One environment pair (a fresh baseline version and a fresh candidate version) in the report. */
export interface EnvironmentPairSummary {
  /** 0-based, in the order the environment pairs were started. */
  readonly index: number;
  /** Complete warm AB/BA pairs it contributed. */
  readonly pairs: number;
  /** candidate / baseline warm Duration: the Hodges-Lehmann estimate of its pairs' log ratios. */
  readonly ratio: number;
  /** candidate / baseline cold-start latency (Init + Duration) of its two first calls, when both were clean. */
  readonly coldRatio?: number;
}

/**
 * How much of the noise is between execution environments and how much within one (log scale,
 * robust standard deviations): what decides how many environment pairs a verdict needs.
 */
export interface Spread {
  /** SD of one environment's lasting speed offset. */
  readonly betweenEnvironments: number;
  /** SD of one back-to-back pair's log ratio inside an environment pair. */
  readonly withinEnvironment: number;
}

/**
 * The spreads in the reader's words, `environments differ by 3.1% (sd)` and `pairs within one by
 * 2.0%`, leaving out one that rounds to nothing or was not measured: "differ by 0.0%" is noise.
 */
export function spreadParts(spread: Partial<Spread> | undefined): string[] {
  const percent = (value: number | undefined): string | undefined => {
    if (value === undefined || Number.isNaN(value)) return undefined;
    const text = (Math.expm1(value) * 100).toFixed(1);
    return Number(text) === 0 ? undefined : `${text}%`;
  };
  const between = percent(spread?.betweenEnvironments);
  const within = percent(spread?.withinEnvironment);
  return [
    ...(between ? [`environments differ by ${between} (sd)`] : []),
    ...(within ? [`pairs within one by ${within}`] : []),
  ];
}

export interface MetricComparison {
  readonly metric: MetricName;
  readonly variant: string;
  /** Invocations behind the comparison, per build. */
  readonly nBaseline: number;
  readonly nCandidate: number;
  /** The independent units inference rests on: environment pairs, or paired calls of integration rounds. */
  readonly units: number;
  /** candidate / baseline, from the Hodges-Lehmann estimate on log durations. */
  readonly ratio: number;
  /**
   * Interval on the ratio, the one that decided: its lower bound at the false-alarm level the
   * comparison was tested at (which a regression needs above 1 + tolerance / 2, with the estimate
   * above 1 + tolerance), its upper bound at the pass level (which a pass needs below 1 +
   * tolerance). Exemplar comparisons (`repeated`): a repeated confidence interval at the nominal
   * levels of the look that decided, covering the true ratio at every look at once with confidence
   * 1 - alpha share - beta. Fixed-sample comparisons (integration traffic): the lower bound at the
   * level of the metric's step in Holm's procedure, the upper at beta, confidence 1 - that level -
   * beta; where rounds are judged too, each round must also decide alike (`rounds`).
   */
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly confidence: number;
  /** The interval is the repeated (sequential) one described above. */
  readonly repeated?: true;
  /** One-sided p-value for "the candidate is slower". */
  readonly pValue: number;
  readonly outcome: Outcome;
  /** For an inconclusive comparison: why, and what would decide it. */
  readonly reason?: string;
  /** Exemplar metrics: the look (1-based) that decided, or the last one taken. */
  readonly look?: number;
  /** Exemplar metrics: each environment pair's own ratio. */
  readonly environmentPairs?: readonly EnvironmentPairSummary[];
  readonly spread?: Spread;
  /** Integration rounds, each judged on its own: the outcome stands only when every round agrees. */
  readonly rounds?: readonly RoundComparison[];
}

/** One integration round of paired calls, judged on its own at the full error rates. */
export interface RoundComparison {
  readonly pairs: number;
  /** candidate / baseline, the Hodges-Lehmann estimate of the round's paired log-ratios. */
  readonly ratio: number;
  /** One-sided signed-rank p-value for "the candidate is slower". */
  readonly pValue: number;
  readonly outcome: Outcome;
}

/** The evidence for one metric: what is counted, and what inference rests on. */
export interface MetricSamples {
  readonly metric: MetricName;
  readonly variant: string;
  readonly nBaseline: number;
  readonly nCandidate: number;
  /**
   * `paired`: independent log ratios (candidate / baseline), one per unit: per environment pair
   * for the exemplars, per paired call for integration rounds. `unpaired`: two independent
   * samples of durations (whole integration runs one after the other).
   */
  readonly evidence:
    | { readonly paired: readonly number[] }
    | { readonly baseline: readonly number[]; readonly candidate: readonly number[] };
  /** Integration rounds: the paired calls split by round; a decision must hold in each round. */
  readonly rounds?: readonly (readonly number[])[];
  readonly environmentPairs?: readonly EnvironmentPairSummary[];
  readonly spread?: Spread;
}

/** The nominal one-sided levels one look tests at; a beta of 0 allows no pass decision at this look. */
interface Levels {
  readonly alpha: number;
  readonly beta: number;
}

/** Log of a duration, floored so that a 0 ms report cannot yield -Infinity. */
const logDuration = (ms: number): number => Math.log(Math.max(ms, 1e-3));

/** log(candidate / baseline) of one pair of durations. */
export const logRatio = (candidateMs: number, baselineMs: number): number =>
  logDuration(candidateMs) - logDuration(baselineMs);

export function shiftOf(evidence: MetricSamples['evidence']): ShiftComparison {
  return 'paired' in evidence
    ? comparePaired(evidence.paired)
    : compareShift(evidence.baseline.map(logDuration), evidence.candidate.map(logDuration));
}

/**
 * The two edges of the band a tolerance sets, on the log scale. A regression must be shown slower
 * than `margin`, half the tolerance, at the false-alarm level, and estimated slower than `limit`,
 * the tolerance; a pass must be shown faster than `limit` at the pass level. A change below half
 * the tolerance is so rarely called a regression (at most the false-alarm share) and one at the
 * tolerance so rarely a pass (at most beta) that a team's "5%" means what it says on both sides;
 * tested against zero instead, a true +2.5% failed 10% of runs with one variant and 18% with three
 * (bench:stats). The price: a slowdown has to be shown beyond half the tolerance, so a +10% change
 * takes about one more look.
 */
export interface Edges {
  readonly limit: number;
  readonly margin: number;
}

export const edgesOf = (tolerance: number): Edges => ({
  limit: Math.log1p(tolerance),
  margin: Math.log1p(tolerance / 2),
});

/**
 * Regression: shown above the margin (at the caller's false-alarm level) and an estimated slowdown
 * above the limit; no regression: the upper bound at `beta` below the limit.
 */
export function judge(shift: ShiftComparison, shownAboveMargin: boolean, beta: number, limit: number): Outcome {
  if (Number.isNaN(shift.estimate)) return 'inconclusive';
  if (shownAboveMargin && shift.estimate > limit) return 'regression';
  if (beta > 0 && shift.upperBound(beta) < limit) return 'no-regression';
  return 'inconclusive';
}

/**
 * The one-sided levels a comparison was decided at, and the confidence of the interval they make:
 * a sequential look's nominal alpha and beta, whose repeated interval holds over all looks
 * (`repeated`), or a fixed-sample comparison's Holm level and beta.
 */
export interface DecidingLevels extends Levels {
  readonly confidence: number;
  readonly repeated: boolean;
}

/** A metric's comparison from its shift, its outcome and the figures the report shows: the interval at the levels that decided. */
export function comparisonOf(
  metric: MetricSamples,
  shift: ShiftComparison,
  outcome: Outcome,
  levels: DecidingLevels,
  extra: Partial<MetricComparison> = {},
): MetricComparison {
  return {
    metric: metric.metric,
    variant: metric.variant,
    nBaseline: metric.nBaseline,
    nCandidate: metric.nCandidate,
    units:
      'paired' in metric.evidence
        ? metric.evidence.paired.length
        : Math.min(metric.evidence.baseline.length, metric.evidence.candidate.length),
    ratio: Math.exp(shift.estimate),
    ciLow: Math.exp(shift.lowerBound(levels.alpha)),
    ciHigh: Math.exp(shift.upperBound(levels.beta)),
    confidence: levels.confidence,
    ...(levels.repeated ? { repeated: true as const } : {}),
    pValue: shift.pUp,
    outcome,
    ...(metric.environmentPairs ? { environmentPairs: metric.environmentPairs } : {}),
    ...(metric.spread ? { spread: metric.spread } : {}),
    ...extra,
  };
}

/**
 * The smallest one-sided level at which the interval's lower end lies above `margin`, found by
 * bisection (the bound grows with the level): the p-value of the test the interval makes. 1 where
 * not even the estimate lies above it.
 */
function levelToClear(shift: ShiftComparison, margin: number): number {
  if (Number.isNaN(shift.estimate) || !(shift.lowerBound(0.5) > margin)) return 1;
  let [below, clears] = [0, 0.5];
  for (let i = 0; i < 40; i++) {
    const level = (below + clears) / 2;
    if (shift.lowerBound(level) > margin) clears = level;
    else below = level;
  }
  return clears;
}

/**
 * A fixed-sample decision (integration traffic): Holm across the metrics at `alpha` for
 * regressions (each tested against the margin, see `edgesOf`), the upper bound at `beta` for no
 * regression (an intersection-union test, which needs no correction). Holm's steps read each
 * metric's interval, in the order in which the intervals clear the margin: its lower end at the
 * step's level above the margin rejects. The report shows that interval, so the interval shown
 * is the one that decided on both sides, also for a metric after the step where the procedure
 * stopped, shown at that step's level (where its lower end cannot clear the margin). Metrics with
 * rounds (integration test runs) decide only when every round, judged on its own at the full
 * false-alarm level, decides the same way: a round meets the host in its own way for its whole
 * length, so its calls are not independent witnesses.
 */
export function decideFixed(metrics: readonly MetricSamples[], rules: ComparisonRules): MetricComparison[] {
  const edges = edgesOf(rules.tolerance);
  const shifts = metrics.map((metric) => shiftOf(metric.evidence));
  const steps = holm(
    shifts.map((shift) => levelToClear(shift, edges.margin)),
    rules.alpha,
    (index, level) => shifts[index]!.lowerBound(level) > edges.margin,
  );
  return metrics.map((metric, index) => {
    const shift = shifts[index]!;
    const { level, rejected } = steps[index]!;
    let outcome = judge(shift, rejected, rules.beta, edges.limit);
    const rounds =
      metric.rounds && metric.rounds.length >= 2
        ? metric.rounds.map((ratios) => judgeRound(ratios, rules.alpha, rules.beta, edges))
        : undefined;
    if (rounds?.some((round) => round.outcome !== outcome)) outcome = 'inconclusive';
    const levels = { alpha: level, beta: rules.beta, confidence: 1 - level - rules.beta, repeated: false };
    return comparisonOf(metric, shift, outcome, levels, rounds ? { rounds } : {});
  });
}

/**
 * One round's own verdict on its paired log-ratios: a regression when the signed-rank test shows
 * the slowdown above the margin at `alpha` and its estimate exceeds the limit, no regression when
 * the upper bound at `beta` is below the limit. Fewer than 7 pairs cannot reach alpha 0.01.
 */
export function judgeRound(logRatios: readonly number[], alpha: number, beta: number, edges: Edges): RoundComparison {
  const shift = comparePaired(logRatios);
  const outcome =
    logRatios.length > 0 ? judge(shift, shift.pAbove(edges.margin) < alpha, beta, edges.limit) : 'inconclusive';
  return { pairs: logRatios.length, ratio: Math.exp(shift.estimate), pValue: shift.pUp, outcome };
}

const okSamples = (samples: readonly Sample[], build: Build, kind: Sample['kind']): Sample[] =>
  samples.filter((s) => s.build === build && s.kind === kind && !s.errorType);

/** The cold-start latency of two independent sets of cold starts (integration traffic), when each build has two or more. */
export function unpairedColdMetric(variant: string, samples: readonly Sample[]): MetricSamples[] {
  const baseline = okSamples(samples, 'baseline', 'cold').map(coldLatencyMs);
  const candidate = okSamples(samples, 'candidate', 'cold').map(coldLatencyMs);
  return baseline.length >= 2 && candidate.length >= 2
    ? [
        {
          metric: 'cold',
          variant,
          nBaseline: baseline.length,
          nCandidate: candidate.length,
          evidence: { baseline, candidate },
        },
      ]
    : [];
}
