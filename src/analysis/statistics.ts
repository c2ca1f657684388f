/**
 * Rank statistics for comparing two samples of durations without assuming a distribution:
 * quantiles, the Hodges-Lehmann shift with its exact (Moses) confidence bounds, and the
 * Mann-Whitney test, exact for small samples and normal with tie correction for larger ones.
 */
import { normalCdf, normalQuantile } from '../normal-distribution.js';

export function sortedCopy(values: readonly number[]): number[] {
  return Float64Array.from(values).sort() as unknown as number[];
}

/** Quantile by linear interpolation between order statistics (type 7, as R and NumPy default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = sorted[lower]!;
  const b = sorted[upper]!;
  return a + (b - a) * (position - lower);
}

export function median(values: readonly number[]): number {
  return quantile(sortedCopy(values), 0.5);
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let total = 0;
  for (const value of values) total += value;
  return total / values.length;
}

const EXACT_LIMIT = 30;
const exactCache = new Map<string, Float64Array>();

/** P(U <= u) for u = 0..m*n under H0 with no ties, by the standard recursion on counts. */
function exactUpperTail(m: number, n: number): Float64Array {
  const key = `${Math.min(m, n)}x${Math.max(m, n)}`;
  const cached = exactCache.get(key);
  if (cached) return cached;
  const small = Math.min(m, n);
  const large = Math.max(m, n);
  // counts[k][u]: arrangements of k "small" items among (k + j) where U = u, built up over j.
  // With no "large" items there is one arrangement for any k, and it has U = 0.
  let previous: Float64Array[] = Array.from({ length: small + 1 }, () => {
    const row = new Float64Array(small * large + 1);
    row[0] = 1;
    return row;
  });
  for (let j = 1; j <= large; j++) {
    const current: Float64Array[] = [];
    for (let k = 0; k <= small; k++) {
      const row = new Float64Array(small * large + 1);
      // Either the largest of the k + j values is from "large" (adds nothing to U) or from
      // "small" (then it exceeds all j "large" values, adding j).
      const fromLarge = previous[k]!;
      for (let u = 0; u < row.length; u++) row[u] = fromLarge[u]!;
      if (k > 0) {
        const fromSmall = current[k - 1]!;
        for (let u = j; u < row.length; u++) row[u]! += fromSmall[u - j]!;
      }
      current.push(row);
    }
    previous = current;
  }
  const counts = previous[small]!;
  let total = 0;
  for (const count of counts) total += count;
  // upper[u] = P(U >= u)
  const upper = new Float64Array(counts.length + 1);
  for (let u = counts.length - 1; u >= 0; u--) upper[u] = upper[u + 1]! + counts[u]! / total;
  exactCache.set(key, upper);
  return upper;
}

/**
 * One-sided p-value of the Mann-Whitney test that the second sample tends to be larger than the
 * first, given U = #{(x, y): y > x} + 0.5 #{y = x} and the tie counts.
 */
export function mannWhitneyUpperP(u: number, m: number, n: number, tieCorrection = 0): number {
  if (m === 0 || n === 0) return 1;
  if (m <= EXACT_LIMIT && n <= EXACT_LIMIT && tieCorrection === 0) {
    const tail = exactUpperTail(m, n);
    return tail[Math.min(tail.length - 1, Math.max(0, Math.ceil(u - 1e-9)))]!;
  }
  const meanU = (m * n) / 2;
  const N = m + n;
  const variance = ((m * n) / 12) * (N + 1 - tieCorrection / (N * (N - 1)));
  if (variance <= 0) return u > meanU ? 0 : 1;
  const z = (u - meanU - 0.5) / Math.sqrt(variance);
  return 1 - normalCdf(z);
}

/**
 * The smallest count c such that P(U >= c) <= level under H0: rejecting when U >= c is a test
 * of at most that level. Used to read exact confidence bounds off the sorted differences.
 */
export function criticalCount(m: number, n: number, level: number): number {
  const total = m * n;
  if (m <= EXACT_LIMIT && n <= EXACT_LIMIT) {
    const tail = exactUpperTail(m, n);
    for (let c = 0; c <= total; c++) if (tail[c]! <= level) return c;
    return total + 1;
  }
  const z = normalQuantile(1 - level);
  return Math.min(total + 1, Math.ceil(total / 2 + z * Math.sqrt((m * n * (m + n + 1)) / 12) + 0.5));
}

export interface ShiftComparison {
  readonly m: number;
  readonly n: number;
  /** Hodges-Lehmann estimate of the shift from the first sample to the second. */
  readonly estimate: number;
  /** One-sided p-value for "the second sample is shifted up" (H0: shift <= 0). */
  readonly pUp: number;
  /** One-sided p-value for "the second sample is shifted up by more than `margin`" (H0: shift <= margin). */
  pAbove(margin: number): number;
  /** Lower confidence bound on the shift at one-sided level `level`. */
  lowerBound(level: number): number;
  /** Upper confidence bound on the shift at one-sided level `level`. */
  upperBound(level: number): number;
}

/**
 * Compares y against x through all pairwise differences y_j - x_i (sorted once): their median
 * is the Hodges-Lehmann shift, their order statistics the exact distribution-free bounds.
 */
export function compareShift(x: readonly number[], y: readonly number[]): ShiftComparison {
  const m = x.length;
  const n = y.length;
  const differences = new Float64Array(m * n);
  let k = 0;
  for (const yj of y) for (const xi of x) differences[k++] = yj - xi;
  differences.sort();
  const total = differences.length;
  let above = 0;
  let equal = 0;
  for (let i = 0; i < total; i++) {
    const d = differences[i]!;
    if (d > 0) above++;
    else if (d === 0) equal++;
  }
  const pooled = sortedCopy([...x, ...y]);
  let tieCorrection = 0;
  for (let i = 0; i < pooled.length;) {
    let j = i;
    while (j < pooled.length && pooled[j] === pooled[i]) j++;
    const t = j - i;
    tieCorrection += t * t * t - t;
    i = j;
  }
  const at = (index: number): number => differences[Math.min(total - 1, Math.max(0, index))]!;
  return {
    m,
    n,
    estimate: total === 0 ? Number.NaN : quantile(differences as unknown as number[], 0.5),
    pUp: mannWhitneyUpperP(above + equal / 2, m, n, tieCorrection),
    pAbove: (margin) =>
      margin === 0
        ? mannWhitneyUpperP(above + equal / 2, m, n, tieCorrection)
        : compareShift(
            x,
            y.map((v) => v - margin),
          ).pUp,
    lowerBound: (level) => {
      const c = criticalCount(m, n, level);
      return c > total ? -Infinity : at(total - c);
    },
    upperBound: (level) => {
      const c = criticalCount(m, n, level);
      return c > total ? Infinity : at(c - 1);
    },
  };
}

const SIGNED_RANK_EXACT_LIMIT = 50;
const signedRankCache = new Map<number, Float64Array>();

/** P(W+ >= w) for w = 0..n(n+1)/2 under H0 (no ties), from subset-sum counts of ranks 1..n. */
function signedRankUpperTail(n: number): Float64Array {
  const cached = signedRankCache.get(n);
  if (cached) return cached;
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let rank = 1; rank <= n; rank++) {
    for (let sum = max; sum >= rank; sum--) counts[sum]! += counts[sum - rank]!;
  }
  const total = 2 ** n;
  const upper = new Float64Array(max + 2);
  for (let w = max; w >= 0; w--) upper[w] = upper[w + 1]! + counts[w]! / total;
  signedRankCache.set(n, upper);
  return upper;
}

function signedRankCritical(n: number, level: number): number {
  const total = (n * (n + 1)) / 2;
  if (n <= SIGNED_RANK_EXACT_LIMIT) {
    const tail = signedRankUpperTail(n);
    for (let c = 0; c <= total; c++) if (tail[c]! <= level) return c;
    return total + 1;
  }
  const z = normalQuantile(1 - level);
  return Math.min(total + 1, Math.ceil(total / 2 + z * Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24) + 0.5));
}

/**
 * Paired comparison of differences d_i = y_i - x_i (here: log durations of the two invocations of
 * one back-to-back pair). Drift and bursts of load that hit both members of a pair cancel in d,
 * which an unpaired comparison can only average out. The estimate is the Hodges-Lehmann median of
 * the Walsh averages, the test Wilcoxon's signed-rank test, the bounds exact order statistics of
 * the Walsh averages.
 */
export function comparePaired(differences: readonly number[]): ShiftComparison {
  const n = differences.length;
  const walsh = new Float64Array((n * (n + 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) walsh[k++] = (differences[i]! + differences[j]!) / 2;
  walsh.sort();
  const total = walsh.length;
  // Signed-rank statistic, zeros dropped, tied magnitudes given their average rank.
  const nonZero = differences
    .filter((d) => d !== 0)
    .map((d) => ({ d, magnitude: Math.abs(d) }))
    .sort((a, b) => a.magnitude - b.magnitude);
  let wPlus = 0;
  let tieCorrection = 0;
  for (let i = 0; i < nonZero.length;) {
    let j = i;
    while (j < nonZero.length && nonZero[j]!.magnitude === nonZero[i]!.magnitude) j++;
    const rank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) if (nonZero[t]!.d > 0) wPlus += rank;
    const ties = j - i;
    tieCorrection += ties * ties * ties - ties;
    i = j;
  }
  const m = nonZero.length;
  let pUp: number;
  if (m === 0) pUp = 1;
  else if (m <= SIGNED_RANK_EXACT_LIMIT && tieCorrection === 0) pUp = signedRankUpperTail(m)[Math.ceil(wPlus - 1e-9)]!;
  else {
    const mean = (m * (m + 1)) / 4;
    const variance = (m * (m + 1) * (2 * m + 1)) / 24 - tieCorrection / 48;
    pUp = variance <= 0 ? (wPlus > mean ? 0 : 1) : 1 - normalCdf((wPlus - mean - 0.5) / Math.sqrt(variance));
  }
  const at = (index: number): number => walsh[Math.min(total - 1, Math.max(0, index))]!;
  return {
    m: n,
    n,
    estimate: total === 0 ? Number.NaN : quantile(walsh as unknown as number[], 0.5),
    pUp,
    pAbove: (margin) => (margin === 0 ? pUp : comparePaired(differences.map((d) => d - margin)).pUp),
    lowerBound: (level) => {
      const c = signedRankCritical(n, level);
      return c > total ? -Infinity : at(total - c);
    },
    upperBound: (level) => {
      const c = signedRankCritical(n, level);
      return c > total ? Infinity : at(c - 1);
    },
  };
}

/**
 * One hypothesis in Holm's procedure: the level it was tested at (for one after the step where the
 * procedure stopped, that step's level: it was not tested, and at no larger level could it have
 * been), and whether it was rejected.
 */
export interface HolmStep {
  readonly level: number;
  readonly rejected: boolean;
}

/**
 * Holm's step-down procedure at family-wise level alpha: the hypotheses in order of their
 * p-values, the one of rank r (from 0) of m tested at alpha / (m - r), until one stands. `rejects`
 * is the test at a step, p <= level unless the caller tests otherwise (an interval's end against
 * a margin, say, so that the interval shown is the one that decided); it must hold its level and
 * reject at a larger level whatever it rejects at a smaller one.
 */
export function holm(
  pValues: readonly number[],
  alpha: number,
  rejects: (index: number, level: number) => boolean = (index, level) => pValues[index]! <= level,
): HolmStep[] {
  const order = pValues.map((p, index) => ({ p, index })).sort((a, b) => a.p - b.p);
  const steps = new Array<HolmStep>(pValues.length);
  let stoppedAt: number | undefined;
  order.forEach(({ index }, rank) => {
    if (stoppedAt !== undefined) {
      steps[index] = { level: stoppedAt, rejected: false };
      return;
    }
    const level = alpha / (order.length - rank);
    const rejected = rejects(index, level);
    if (!rejected) stoppedAt = level;
    steps[index] = { level, rejected };
  });
  return steps;
}
