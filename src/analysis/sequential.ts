/**
 * The exemplar comparison with the execution environment as the unit of evidence.
 *
 * Each variant is measured on environment pairs: a fresh baseline version and a fresh candidate
 * version, each with exactly one execution environment, driven by one cold call each and then a
 * few back-to-back AB/BA warm pairs. Two environments running the same code differ for their
 * whole life, so the pairs of one environment pair share its lasting offset and are not
 * independent witnesses of a change; each environment pair is summarised by one number (the
 * Hodges-Lehmann estimate of its pairs' log ratios) and inference runs on those summaries:
 * Wilcoxon's signed-rank test and its exact Hodges-Lehmann bounds. Environment pairs come in
 * batches; after each batch (a look) the regression and the pass decision are tested at
 * group-sequential boundaries (alpha spent as alpha * t^2, beta by O'Brien-Fleming), the alpha
 * split evenly over the function's metrics (Bonferroni: the first regression fails the gate, so
 * Holm's step-down would change no verdict). The cold start of each environment pair's two first
 * calls gives the cold metric one paired ratio per environment pair, tested once, when the variant
 * stops, at its full share.
 *
 * Everything here is a pure function of the samples and the plan, so the decision the sampler
 * took look by look is replayed exactly by the analysis afterwards: both call `decideSequential`
 * with all of the function's variants.
 */
import { environmentPairsAtLook, looksLevels, metricAlphaShare, type SequentialPlan } from '../looks/schedule.js';
import { coldLatencyMs, type Sample } from '../model/sample.js';
import { normalQuantile } from '../normal-distribution.js';
import {
  comparisonOf,
  edgesOf,
  judge,
  type Edges,
  logRatio,
  shiftOf,
  spreadParts,
  type ComparisonRules,
  type EnvironmentPairSummary,
  type MetricComparison,
  type MetricSamples,
  type Spread,
} from './comparison.js';
import { comparePaired, median } from './statistics.js';

export interface EnvironmentPairEvidence {
  readonly summaries: readonly EnvironmentPairSummary[];
  /** One warm log ratio per environment pair that has complete pairs. */
  readonly warm: readonly number[];
  /** One cold-start log ratio per environment pair whose two first calls were clean. */
  readonly cold: readonly number[];
  readonly spread: Spread;
  /** Robust SD of the warm summaries themselves (log scale). */
  readonly summarySd: number;
  readonly nBaseline: number;
  readonly nCandidate: number;
  readonly nColdBaseline: number;
  readonly nColdCandidate: number;
}

const MAD_TO_SD = 1.4826;

/** The environment pairs below index `upTo` of one variant's samples, each summarised by one number. */
export function environmentPairEvidence(samples: readonly Sample[], upTo = Infinity): EnvironmentPairEvidence {
  const warmPairs = new Map<number, { environmentPair: number; baseline?: number; candidate?: number }>();
  const opening = new Map<number, { baseline?: number; candidate?: number }>();
  let nBaseline = 0;
  let nCandidate = 0;
  for (const s of samples) {
    if (s.environmentPair === undefined || s.environmentPair >= upTo || s.errorType) continue;
    if (s.pair === undefined) {
      // The environment pair's first call on each version: its cold start.
      if (s.kind !== 'cold') continue;
      const entry = opening.get(s.environmentPair) ?? {};
      entry[s.build] = coldLatencyMs(s);
      opening.set(s.environmentPair, entry);
    } else if (s.kind === 'warm') {
      const entry = warmPairs.get(s.pair) ?? { environmentPair: s.environmentPair };
      entry[s.build] = s.durationMs;
      warmPairs.set(s.pair, entry);
    }
  }
  const ratiosByEnvironmentPair = new Map<number, number[]>();
  for (const { environmentPair, baseline, candidate } of warmPairs.values()) {
    if (baseline === undefined || candidate === undefined) continue;
    nBaseline++;
    nCandidate++;
    const list = ratiosByEnvironmentPair.get(environmentPair) ?? [];
    list.push(logRatio(candidate, baseline));
    ratiosByEnvironmentPair.set(environmentPair, list);
  }
  const indices = [...new Set([...ratiosByEnvironmentPair.keys(), ...opening.keys()])].sort((a, b) => a - b);
  const summaries: EnvironmentPairSummary[] = [];
  const warm: number[] = [];
  const cold: number[] = [];
  let nColdBaseline = 0;
  let nColdCandidate = 0;
  for (const index of indices) {
    const ratios = ratiosByEnvironmentPair.get(index) ?? [];
    const { baseline, candidate } = opening.get(index) ?? {};
    if (baseline !== undefined) nColdBaseline++;
    if (candidate !== undefined) nColdCandidate++;
    const coldRatio = baseline !== undefined && candidate !== undefined ? logRatio(candidate, baseline) : undefined;
    if (coldRatio !== undefined) cold.push(coldRatio);
    const z = ratios.length ? comparePaired(ratios).estimate : Number.NaN;
    if (ratios.length) warm.push(z);
    summaries.push({
      index,
      pairs: ratios.length,
      ratio: Math.exp(z),
      ...(coldRatio === undefined ? {} : { coldRatio: Math.exp(coldRatio) }),
    });
  }
  const summarySd = robustSd(warm);
  return {
    summaries,
    warm,
    cold,
    spread: spreadOf([...ratiosByEnvironmentPair.entries()].sort(([a], [b]) => a - b).map(([, ratios]) => ratios)),
    summarySd,
    nBaseline,
    nCandidate,
    nColdBaseline,
    nColdCandidate,
  };
}

/** Median of |Z| for a standard normal Z: a difference's median magnitude over it estimates the difference's SD. */
const NORMAL_MEDIAN_MAGNITUDE = 0.6744897501960817;

/**
 * The two spreads, by the method of moments on differences of pairs' log ratios, each difference's
 * variance read robustly (its median magnitude) so that a few outlying calls do not inflate it.
 * A pair's log ratio is r = change + (candidate environment's offset - baseline's) + e, with
 * sd(offset) = between and sd(e) = within. Two pairs of one environment pair differ by e - e':
 * variance 2 within^2. Two pairs of different environment pairs (each environment pair with the
 * next) differ by four offsets too: variance 4 between^2 + 2 within^2. Each is an unbiased reading
 * of its variance without any group's centre estimated (a deviation from a group's median, as
 * before, is 0 for the median itself and reads within low); between^2 is their difference over 4,
 * 0 where the noise leaves none. With one pair per environment pair, within cannot be told apart
 * and all of the spread is put on the environments.
 */
function spreadOf(groups: readonly (readonly number[])[]): Spread {
  const inside: number[] = [];
  const across: number[] = [];
  groups.forEach((group, g) => {
    for (let i = 0; i < group.length; i++)
      for (let j = i + 1; j < group.length; j++) inside.push(group[i]! - group[j]!);
    const next = groups[g + 1];
    if (next) for (const a of group) for (const b of next) across.push(a - b);
  });
  const variance = (differences: readonly number[]): number =>
    differences.length ? (median(differences.map(Math.abs)) / NORMAL_MEDIAN_MAGNITUDE) ** 2 : Number.NaN;
  const twiceWithin = variance(inside);
  const acrossVariance = variance(across);
  return {
    betweenEnvironments: Math.sqrt(Math.max(0, acrossVariance - (Number.isNaN(twiceWithin) ? 0 : twiceWithin)) / 4),
    withinEnvironment: Math.sqrt(twiceWithin / 2),
  };
}

/** Scaled median absolute deviation: an SD that a few outliers do not inflate; NaN below two values. */
function robustSd(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const centre = median(values);
  return MAD_TO_SD * median(values.map((v) => Math.abs(v - centre)));
}

export interface VariantDecision {
  readonly variant: string;
  readonly comparisons: readonly MetricComparison[];
  /** Whether the variant needs more environment pairs. */
  readonly open: boolean;
  /** Looks taken. */
  readonly looks: number;
}

export interface SequentialInput {
  readonly samples: readonly Sample[];
  /**
   * Every variant of the function, open or closed: the false-alarm budget is split over all of
   * them (see `metricAlphaShare`), and every one is replayed from its first look.
   */
  readonly variants: readonly string[];
  readonly plan: SequentialPlan;
  readonly rules: ComparisonRules;
  /** Variants stopped early (every call of a build failed), with why. */
  readonly stopped?: ReadonlyMap<string, string>;
}

/**
 * Replays the looks of every variant on the samples so far: the warm metric is tested at each
 * look's boundaries until it is decided or the cap is reached; then the cold metric once, at its
 * full share. A variant neither decided, capped nor stopped is still open.
 */
export function decideSequential(input: SequentialInput): VariantDecision[] {
  const { plan, rules } = input;
  const { limit, margin } = edgesOf(rules.tolerance);
  const alphaShare = metricAlphaShare(rules.alpha, input.variants.length);
  const levels = looksLevels(plan, alphaShare, rules.beta);
  const finalLevels = levels.at(-1)!;
  // What a repeated interval covers at every look at once: its lower bound spends the metric's
  // share of alpha over the looks, its upper bound beta.
  const confidence = 1 - alphaShare - rules.beta;
  return input.variants.map((variant) => {
    const samples = input.samples.filter((s) => s.variant === variant && s.environmentPair !== undefined);
    const reached = samples.reduce((max, s) => Math.max(max, Math.floor(s.environmentPair! / plan.batch) + 1), 0);
    let warm: MetricComparison | undefined;
    let evidence: EnvironmentPairEvidence | undefined;
    const last = Math.min(reached, levels.length);
    let look = 0;
    while (look < last) {
      look++;
      evidence = environmentPairEvidence(samples, environmentPairsAtLook(plan, look));
      const metric = warmMetric(variant, evidence);
      const shift = shiftOf(metric.evidence);
      const { alpha, beta } = levels[look - 1]!;
      const outcome = judge(shift, shift.lowerBound(alpha) > margin, beta, limit);
      warm = comparisonOf(metric, shift, outcome, { alpha, beta, confidence, repeated: true }, { look });
      if (outcome !== 'inconclusive') break;
    }
    const stopped = input.stopped?.get(variant);
    const capped = look >= levels.length;
    const decided = warm !== undefined && warm.outcome !== 'inconclusive';
    const open = !decided && !capped && stopped === undefined;
    if (!warm || !evidence) return { variant, comparisons: [], open, looks: look };
    if (open) return { variant, comparisons: [warm], open, looks: look };
    if (!decided)
      warm = { ...warm, reason: stopped ?? whatWouldDecide(warm, evidence, plan, finalLevels, { limit, margin }) };
    const comparisons = [warm];
    if (evidence.cold.length) {
      const metric: MetricSamples = {
        metric: 'cold',
        variant,
        nBaseline: evidence.nColdBaseline,
        nCandidate: evidence.nColdCandidate,
        evidence: { paired: evidence.cold },
      };
      const shift = shiftOf(metric.evidence);
      const outcome = judge(shift, shift.lowerBound(alphaShare) > margin, rules.beta, limit);
      comparisons.push(
        comparisonOf(
          metric,
          shift,
          outcome,
          { alpha: alphaShare, beta: rules.beta, confidence, repeated: true },
          { look },
        ),
      );
    }
    return { variant, comparisons, open: false, looks: look };
  });
}

function warmMetric(variant: string, evidence: EnvironmentPairEvidence): MetricSamples {
  return {
    metric: 'warm',
    variant,
    nBaseline: evidence.nBaseline,
    nCandidate: evidence.nCandidate,
    evidence: { paired: evidence.warm },
    environmentPairs: evidence.summaries,
    spread: evidence.spread,
  };
}

/**
 * Why a warm comparison stayed open at the cap, and what would decide it: how much the
 * environments differ, about how many environment pairs the interval needs to clear the
 * tolerance (or, where the estimate is above it, to clear half the tolerance), and the tolerance
 * that would pass now.
 * Normal approximations on the summaries; an order of magnitude, not a promise.
 */
export function whatWouldDecide(
  warm: MetricComparison,
  evidence: EnvironmentPairEvidence,
  plan: SequentialPlan,
  levels: { alpha: number; beta: number },
  { limit, margin }: Edges,
): string {
  const k = evidence.warm.length;
  const { betweenEnvironments } = evidence.spread;
  if (k < 2 || Number.isNaN(betweenEnvironments))
    return `only ${k} environment pair${k === 1 ? '' : 's'} gave warm pairs; more environment pairs (sampling.max-environment-pairs) would decide it`;
  const sd = evidence.summarySd || Number.EPSILON;
  const estimate = Math.log(warm.ratio);
  const noise = spreadParts(evidence.spread).join(' and ');
  const said = (text: string): string => (noise ? `${noise}; ${text}` : text);
  const needed = (z: number, gap: number): string => {
    const total = Math.ceil(((z * sd) / gap) ** 2);
    const more = Math.max(plan.batch, total - k);
    return more > 1000
      ? 'more than 1,000 more environment pairs'
      : `about ${more} more environment pairs (sampling.max-environment-pairs ${k + more})`;
  };
  if (estimate > limit) {
    return said(
      `the estimate is above the tolerance but not shown beyond half of it: ${needed(normalQuantile(1 - levels.alpha), estimate - margin)} would show whether it is real`,
    );
  }
  // The smallest whole tolerance above the interval shown: a pass needs its upper end below the tolerance.
  const tolerance = Number.isFinite(warm.ciHigh) ? Math.floor((warm.ciHigh - 1) * 100 + 1e-9) + 1 : undefined;
  return said(
    `${needed(normalQuantile(1 - levels.beta), limit - estimate)}${tolerance === undefined ? '' : `, or a tolerance of ${tolerance}%,`} would decide it`,
  );
}
