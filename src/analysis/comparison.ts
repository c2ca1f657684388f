import { coldLatencyMs, type Build, type Sample } from '../measure/sample.js';
import { comparePaired, compareShift, holm, obrienFlemingSpent } from './statistics.js';

export type MetricName = 'warm' | 'cold';
export type Outcome = 'regression' | 'no-regression' | 'inconclusive';

export interface ComparisonRules {
  /** Family-wise false-alarm rate for regressions: 1 - confidence. */
  readonly alpha: number;
  /** Allowed rate of declaring "no regression" when one beyond tolerance exists. */
  readonly beta: number;
  /** The regression tolerated, as a fraction (0.05 = 5%). */
  readonly tolerance: number;
}

export interface MetricComparison {
  readonly metric: MetricName;
  readonly variant: string;
  readonly nBaseline: number;
  readonly nCandidate: number;
  /** candidate / baseline, from the Hodges-Lehmann shift of log durations. */
  readonly ratio: number;
  /** Two-sided interval on the ratio at confidence 1 - alpha. */
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly confidence: number;
  /** One-sided p-value for "the candidate is slower" (Mann-Whitney on log durations). */
  readonly pValue: number;
  readonly outcome: Outcome;
  /**
   * Paired metrics measured in blocks (environment pairs, integration rounds): each block's own
   * test. The outcome above stands only when every block decides alike.
   */
  readonly blocks?: readonly BlockComparison[];
}

/** One block of pairs, judged on its own (at the error rates its `blockRule` gives it). */
export interface BlockComparison {
  readonly pairs: number;
  /** candidate / baseline, the Hodges-Lehmann estimate of the block's paired log-ratios. */
  readonly ratio: number;
  /** One-sided signed-rank p-value for "the candidate is slower". */
  readonly pValue: number;
  readonly outcome: Outcome;
}

export interface MetricSamples {
  readonly metric: MetricName;
  readonly variant: string;
  readonly baseline: readonly number[];
  readonly candidate: readonly number[];
  /** Sequential metrics may still be sampled; fixed ones (cold bursts) are final. */
  readonly sequential: boolean;
  /**
   * For metrics measured in back-to-back pairs: log(candidate / baseline) of each complete pair.
   * When given, the comparison is paired; `baseline` and `candidate` are then only counted.
   */
  readonly pairedLogRatios?: readonly number[];
  /**
   * The same pairs split by block: pairs within a block share their environments (or their
   * round) and whatever those bring to every duration, so they are not independent witnesses
   * of a change. With two or more blocks, a decision must hold in each block on its own.
   */
  readonly blocks?: readonly (readonly number[])[];
  /**
   * How each block is judged. `replicated` (environment pairs): at alpha^(1/k) and beta^(1/k)
   * for k blocks, so that k independent blocks agreeing by chance is as rare as one pooled
   * error; it guards against a lasting offset of one environment pair, not of all of them.
   * `strict` (integration rounds, which are few and whose effects are large): each block at
   * the full alpha and beta. Default `replicated`.
   */
  readonly blockRule?: 'replicated' | 'strict';
}

export interface Look {
  /** Information fraction of this look: samples per arm so far over the cap. */
  readonly fraction: number;
  /** Fraction at the previous look (0 before the first). */
  readonly previousFraction: number;
  /** No further samples will come. */
  readonly final: boolean;
}

/** Log of a duration, floored so that a 0 ms report cannot yield -Infinity. */
const logDuration = (ms: number): number => Math.log(Math.max(ms, 1e-3));
const logs = (values: readonly number[]): number[] => values.map(logDuration);

/** log(candidate / baseline) of one pair of durations. */
export const logRatio = (candidateMs: number, baselineMs: number): number => logDuration(candidateMs) - logDuration(baselineMs);

/**
 * log(candidate / baseline) Duration of every complete warm pair (both halves warm and without
 * error), grouped by the replica (environment pair) the pair ran on, in replica order. The
 * paired comparison works on these.
 */
export function pairedLogRatioBlocks(samples: readonly Sample[]): number[][] {
  const halves = new Map<number, { replica: number; baseline?: number; candidate?: number }>();
  for (const s of samples) {
    if (s.pair === undefined || s.kind !== 'warm' || s.errorType) continue;
    const entry = halves.get(s.pair) ?? { replica: s.replica ?? 0 };
    entry[s.build] = s.durationMs;
    halves.set(s.pair, entry);
  }
  const blocks: number[][] = [];
  for (const { replica, baseline, candidate } of halves.values()) {
    if (baseline !== undefined && candidate !== undefined) (blocks[replica] ??= []).push(logRatio(candidate, baseline));
  }
  return Array.from(blocks, (block) => block ?? []);
}

const okDurations = (samples: readonly Sample[], build: Build, kind: Sample['kind']): Sample[] => samples.filter((s) => s.build === build && s.kind === kind && !s.errorType);

/** The warm metric of one variant's samples, compared on its paired log-ratios, block by block. */
export function pairedWarmMetric(
  variant: string,
  samples: readonly Sample[],
  blocks: readonly (readonly number[])[],
  options: { sequential: boolean; blockRule?: MetricSamples['blockRule'] },
): MetricSamples {
  return {
    metric: 'warm',
    variant,
    baseline: okDurations(samples, 'baseline', 'warm').map((s) => s.durationMs),
    candidate: okDurations(samples, 'candidate', 'warm').map((s) => s.durationMs),
    sequential: options.sequential,
    pairedLogRatios: blocks.flat(),
    blocks,
    ...(options.blockRule ? { blockRule: options.blockRule } : {}),
  };
}

/** The cold-start latency metric of one variant's samples, when each build has two cold starts or more. */
export function coldMetric(variant: string, samples: readonly Sample[]): MetricSamples[] {
  const baseline = okDurations(samples, 'baseline', 'cold').map(coldLatencyMs);
  const candidate = okDurations(samples, 'candidate', 'cold').map(coldLatencyMs);
  return baseline.length >= 2 && candidate.length >= 2 ? [{ metric: 'cold', variant, baseline, candidate, sequential: false }] : [];
}

/**
 * One look of the sequential comparison. Regression: Holm-significant at the alpha this look
 * spends (O'Brien-Fleming) and an estimated slowdown above tolerance. No regression: the upper
 * confidence bound, at the beta this look spends, is below tolerance (an intersection-union
 * test, which needs no correction across metrics). Otherwise still open, and inconclusive at the
 * final look. Paired metrics measured in blocks decide only when every block, judged on its own
 * (see `blockRule`), decides the same way. Decisions already made are passed back in `decided`
 * and kept.
 */
export function decideLook(
  metrics: readonly MetricSamples[],
  rules: ComparisonRules,
  look: Look,
  decided: ReadonlyMap<string, Outcome> = new Map(),
): MetricComparison[] {
  const alphaLook = obrienFlemingSpent(rules.alpha, look.fraction) - obrienFlemingSpent(rules.alpha, look.previousFraction);
  const betaLook = obrienFlemingSpent(rules.beta, look.fraction) - obrienFlemingSpent(rules.beta, look.previousFraction);
  const limit = Math.log1p(rules.tolerance);
  const shifts = metrics.map((metric) =>
    metric.pairedLogRatios ? comparePaired(metric.pairedLogRatios) : compareShift(logs(metric.baseline), logs(metric.candidate)),
  );
  const significant = holm(
    shifts.map((shift) => (Number.isNaN(shift.estimate) ? 1 : shift.pUp)),
    alphaLook,
  );
  return metrics.map((metric, index) => {
    const shift = shifts[index]!;
    const key = metricKey(metric);
    let outcome: Outcome = decided.get(key) ?? 'inconclusive';
    const passBeta = metric.sequential ? betaLook : look.final ? rules.beta : 0;
    const k = metric.blocks?.length ?? 0;
    const power = metric.blockRule === 'strict' ? 1 : 1 / k;
    const blocks = k >= 2 ? metric.blocks!.map((ratios) => judgeBlock(ratios, alphaLook ** power, passBeta ** power, limit)) : undefined;
    if (!decided.has(key) && !Number.isNaN(shift.estimate)) {
      if (significant[index] && shift.estimate > limit) outcome = 'regression';
      else if (passBeta > 0 && shift.upperBound(passBeta) < limit) outcome = 'no-regression';
      if (blocks?.some((block) => block.outcome !== outcome)) outcome = 'inconclusive';
    }
    return {
      metric: metric.metric,
      variant: metric.variant,
      nBaseline: metric.pairedLogRatios?.length ?? metric.baseline.length,
      nCandidate: metric.pairedLogRatios?.length ?? metric.candidate.length,
      ratio: Math.exp(shift.estimate),
      ciLow: Math.exp(shift.lowerBound(rules.alpha / 2)),
      ciHigh: Math.exp(shift.upperBound(rules.alpha / 2)),
      confidence: 1 - rules.alpha,
      pValue: shift.pUp,
      outcome,
      ...(blocks ? { blocks } : {}),
    };
  });
}

/**
 * One block's own verdict on its paired log-ratios: a regression when the signed-rank test is
 * significant at `alpha` and the slowdown exceeds the limit, no regression when the upper bound
 * at `beta` is below it (never when `beta` is 0). Fewer than 7 pairs cannot reach alpha 0.01.
 */
export function judgeBlock(logRatios: readonly number[], alpha: number, beta: number, limit: number): BlockComparison {
  const shift = comparePaired(logRatios);
  let outcome: Outcome = 'inconclusive';
  if (logRatios.length > 0) {
    if (shift.pUp < alpha && shift.estimate > limit) outcome = 'regression';
    else if (beta > 0 && shift.upperBound(beta) < limit) outcome = 'no-regression';
  }
  return { pairs: logRatios.length, ratio: Math.exp(shift.estimate), pValue: shift.pUp, outcome };
}

export const metricKey = (metric: { metric: MetricName; variant: string }): string => `${metric.variant}/${metric.metric}`;

/** The looks of a plan: at min, then every `batch` samples per arm, up to the cap. */
export function lookSchedule(minPerArm: number, maxPerArm: number, batch: number): number[] {
  const looks: number[] = [];
  for (let n = minPerArm; n < maxPerArm; n += batch) looks.push(n);
  looks.push(maxPerArm);
  return looks;
}
