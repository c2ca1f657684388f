import { spreadParts, type RoundComparison, type MetricComparison } from '../analysis/comparison.js';

/** Number formats shared by the renderers. */
export const ms = (value: number): string =>
  Number.isNaN(value) ? '–' : value >= 100 ? value.toFixed(0) : value.toFixed(1);
/** A ratio as a change: 1.234 -> +23.4%; an unbounded upper limit (too few samples) -> +∞. */
export const signedPercent = (ratio: number): string =>
  Number.isNaN(ratio) ? '–' : ratio === Infinity ? '+∞' : `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
export const usd = (value: number): string => {
  if (Number.isNaN(value)) return '–';
  if (value >= 100) return `$${value.toFixed(0)}`;
  if (value >= 0.01 || value === 0) return `$${value.toFixed(value >= 1 ? 2 : 3)}`;
  return `$${value.toPrecision(2)}`;
};
/** A dollar amount for markdown: two `$` on one line would otherwise open GitHub's math. */
export const money = (value: number): string => usd(value).replace('$', '\\$');
/** A p-value as a table shows it: `<0.0001`, `0.0123`, or `–` when there is none. */
export const pValueText = (p: number): string => (Number.isNaN(p) ? '–' : p < 0.0001 ? '<0.0001' : p.toFixed(4));
/** A p-value after "p" in a sentence: `p<0.0001`, `p=0.0123`. */
export const pValue = (p: number): string => (p < 0.0001 ? '<0.0001' : `=${p.toFixed(4)}`);
/** A budget's measured figure in its unit: `123.4 ms`, `1.234 USD`, or `–` when it could not be measured. */
export const budgetValue = (check: { value: number; unit: string }): string =>
  Number.isNaN(check.value) ? '–' : `${check.value.toFixed(check.unit === 'USD' ? 3 : 1)} ${check.unit}`;
export const percentChange = (value: number | null): string =>
  value === null || Number.isNaN(value) ? '–' : `${value >= 0 ? '+' : ''}${value.toFixed(1)}%`;
/** Integration rounds, each with its own decision: `+20.1% (35 pairs, regression), ...`. */
export const roundsText = (rounds: readonly RoundComparison[]): string =>
  rounds.map((b) => `${signedPercent(b.ratio)} (${b.pairs} pairs, ${b.outcome})`).join(', ');
/** What a comparison rests on: its environment pairs and how much environments differ, or its integration rounds. */
export function unitsText(c: MetricComparison): string {
  if (c.rounds?.length) return roundsText(c.rounds);
  if (!c.environmentPairs) return c.units ? `${c.units} environment pairs` : '–';
  return [`${c.units} environment pairs`, spreadParts(c.spread).join(', ')].filter(Boolean).join('; ');
}

/** The two spreads of the evidence as the reports quote them, in the reader's words. */
export const SPREADS_EXPLAINED =
  '"environments differ by": one execution environment runs the same code faster or slower than another by this much (a standard deviation); "pairs within one by": back-to-back baseline and candidate calls on the same two environments vary by this much. The larger they are, the more environment pairs a verdict needs.';

/** Whether a text quotes the spreads, and so needs them explained beside it. */
export const quotesSpreads = (text: string): boolean => /environments differ by|pairs within one by/.test(text);

/** A change in percent, short: whole points from 10 on (+23%), one decimal below (+2.0%). */
export function shortPercent(percent: number): string {
  if (Number.isNaN(percent)) return '–';
  if (!Number.isFinite(percent)) return percent > 0 ? '+∞' : '-∞';
  const rounded = Math.abs(percent) >= 10 ? percent.toFixed(0) : percent.toFixed(1);
  return `${percent >= 0 && !rounded.startsWith('-') ? '+' : ''}${rounded}%`;
}

/** A ratio as a short change: 1.234 -> +23%. */
export const shortChange = (ratio: number): string => shortPercent((ratio - 1) * 100);

/**
 * Which ends of a comparison's interval say something: an upper limit of infinity or a lower one
 * of zero (a ratio of -100%) is what too few samples give at that end's level, not a finding.
 */
export function boundedEnds(c: Pick<MetricComparison, 'ciLow' | 'ciHigh'>): { low: boolean; high: boolean } {
  return { low: c.ciLow > 0 && Number.isFinite(c.ciLow), high: Number.isFinite(c.ciHigh) };
}

/** Whether a comparison has an estimate and at least one end of its interval to quote. */
export function bounded(c: Pick<MetricComparison, 'ratio' | 'ciLow' | 'ciHigh'>): boolean {
  const { low, high } = boundedEnds(c);
  return !Number.isNaN(c.ratio) && (low || high);
}

/** What an unbounded interval means to a reader. */
const TOO_FEW: Readonly<Record<string, string>> = {
  warm: 'too few warm samples to compare',
  cold: 'too few cold starts to compare',
};

/**
 * A comparison's interval with its ends written by `end`: `+15, +32` (joined by `between`). Where
 * too few samples bound one end at its level, the other alone: `below +4`, all that a pass needs,
 * or `above +3`. Undefined where neither end is bounded.
 */
export function intervalEnds(
  c: Pick<MetricComparison, 'ratio' | 'ciLow' | 'ciHigh'>,
  end: (ratio: number) => string,
  between = ', ',
): string | undefined {
  if (!bounded(c)) return undefined;
  const { low, high } = boundedEnds(c);
  if (low && high) return `${end(c.ciLow)}${between}${end(c.ciHigh)}`;
  return low ? `above ${end(c.ciLow)}` : `below ${end(c.ciHigh)}`;
}

/**
 * A comparison's change with its interval, `+23% [+15, +32]`, or in full, for a terminal,
 * `+23.4% [+15.4%, +32.4%]`; or what is missing to say it.
 */
export function changeWithInterval(c: MetricComparison, full = false): string {
  const ends = intervalEnds(c, full ? signedPercent : (ratio) => shortChange(ratio).replace(/%$/, ''));
  if (ends === undefined) return tooFew(c);
  return `${full ? signedPercent(c.ratio) : shortChange(c.ratio)} [${ends}]`;
}

/** What a comparison with no bounded interval end is missing. */
export const tooFew = (c: Pick<MetricComparison, 'metric'>): string =>
  TOO_FEW[c.metric] ?? 'too few samples to compare';

/**
 * What an interval is, as a sentence quotes it: `94% CI` for a fixed-sample one (integration
 * traffic), `94.5% repeated CI` for the sequential one (its confidence holds over every look);
 * either is the interval that decided.
 */
export function intervalName(c: Pick<MetricComparison, 'confidence' | 'repeated'>): string {
  const percent = Number((c.confidence * 100).toFixed(1));
  return `${percent}% ${c.repeated ? 'repeated CI' : 'CI'}`;
}
