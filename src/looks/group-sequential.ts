/**
 * Group-sequential boundaries by alpha spending (Lan & DeMets 1983): a test looked at several
 * times as evidence accrues keeps its overall error rate when look k rejects only at the nominal
 * level that makes P(first crossing at look k) equal to the error newly spent by then. The looks'
 * statistics are correlated (each contains the last), so this level is larger than the increment
 * itself, which is what spending it Bonferroni-style (the increment as the level) would test at.
 */
import { normalCdf, normalQuantile } from '../normal-distribution.js';

/** The error spent by information fraction t (0..1) of a one-sided error budget `alpha`. */
export type SpendingFunction = (alpha: number, t: number) => number;

/** Lan-DeMets O'Brien-Fleming type: almost nothing early, most of the budget at the end. */
export const obrienFleming: SpendingFunction = (alpha, t) => {
  if (t <= 0) return 0;
  if (t >= 1) return alpha;
  return 2 * (1 - normalCdf(normalQuantile(1 - alpha / 2) / Math.sqrt(t)));
};

/** Kim-DeMets power family alpha * t^rho: rho 2 spends a little more early than O'Brien-Fleming. */
export const powerSpending =
  (rho: number): SpendingFunction =>
  (alpha, t) =>
    alpha * Math.min(1, Math.max(0, t)) ** rho;

const GRID = 401;
const SPAN = 8;
const cache = new Map<string, number[]>();

/**
 * The nominal one-sided level of each look, for looks at information fractions `fractions`
 * (increasing, the last normally 1), under the canonical joint distribution of the looks'
 * z-statistics: Brownian motion on the information scale (Jennison & Turnbull 2000, ch. 19). The
 * sub-density of the statistic among paths not yet stopped is carried from look to look on a grid
 * and integrated numerically (Simpson), as in Armitage, McPherson & Rowe (1969).
 */
export function nominalLevels(
  alpha: number,
  fractions: readonly number[],
  spending: SpendingFunction,
  name: string,
): number[] {
  const key = `${name}|${alpha}|${fractions.join(',')}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const levels: number[] = [];
  // Grid of the score statistic S = Z * sqrt(t) (variance t) among paths still going, and its density.
  let xs: Float64Array | undefined;
  let density: Float64Array | undefined;
  let previousT = 0;
  let spentBefore = 0;
  for (const t of fractions) {
    const spent = Math.max(0, Math.min(alpha, spending(alpha, t)) - spentBefore);
    spentBefore += spent;
    const sd = Math.sqrt(t);
    if (!xs || !density) {
      const boundary = spent > 0 ? normalQuantile(1 - spent) : Infinity;
      levels.push(spent);
      [xs, density] = grid(-SPAN * sd, Math.min(boundary, SPAN) * sd, (s) => normalPdf(s / sd) / sd);
      previousT = t;
      continue;
    }
    const step = Math.sqrt(Math.max(t - previousT, 1e-12));
    const weights = simpsonWeights(xs);
    const from = xs;
    const mass = density;
    // Probability of crossing z-boundary b at this look without having crossed before.
    const crossing = (b: number): number => {
      let total = 0;
      for (let i = 0; i < from.length; i++)
        total += weights[i]! * mass[i]! * (1 - normalCdf((b * sd - from[i]!) / step));
      return total;
    };
    let boundary = Infinity;
    if (spent > 0 && crossing(-SPAN) > spent) {
      let low = -SPAN;
      let high = 40;
      for (let iteration = 0; iteration < 80; iteration++) {
        const middle = (low + high) / 2;
        if (crossing(middle) > spent) low = middle;
        else high = middle;
      }
      boundary = high;
    }
    levels.push(boundary === Infinity ? 0 : 1 - normalCdf(boundary));
    [xs, density] = grid(-SPAN * sd, Math.min(boundary, SPAN) * sd, (y) => {
      let total = 0;
      for (let i = 0; i < from.length; i++) total += weights[i]! * mass[i]! * (normalPdf((y - from[i]!) / step) / step);
      return total;
    });
    previousT = t;
  }
  cache.set(key, levels);
  return levels;
}

function normalPdf(z: number): number {
  return Math.exp(-(z * z) / 2) / Math.sqrt(2 * Math.PI);
}

function grid(from: number, to: number, f: (x: number) => number): [Float64Array, Float64Array] {
  const xs = new Float64Array(GRID);
  const values = new Float64Array(GRID);
  const upper = Math.max(to, from + 1e-9);
  for (let i = 0; i < GRID; i++) {
    xs[i] = from + ((upper - from) * i) / (GRID - 1);
    values[i] = f(xs[i]!);
  }
  return [xs, values];
}

/** Composite Simpson weights on an evenly spaced grid of odd length. */
function simpsonWeights(xs: Float64Array): Float64Array {
  const h = (xs[xs.length - 1]! - xs[0]!) / (xs.length - 1);
  const weights = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) weights[i] = (h / 3) * (i === 0 || i === xs.length - 1 ? 1 : i % 2 === 1 ? 4 : 2);
  return weights;
}
