import type { BlockComparison, MetricComparison } from '../analysis/comparison.js';

/** Number formats shared by the renderers. */
export const ms = (value: number): string => (Number.isNaN(value) ? '–' : value >= 100 ? value.toFixed(0) : value.toFixed(1));
/** A ratio as a change: 1.234 -> +23.4%; an unbounded upper limit (too few samples) -> +∞. */
export const signedPercent = (ratio: number): string =>
  Number.isNaN(ratio) ? '–' : ratio === Infinity ? '+∞' : `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
export const usd = (value: number): string => {
  if (Number.isNaN(value)) return '–';
  if (value >= 100) return `$${value.toFixed(0)}`;
  if (value >= 0.01 || value === 0) return `$${value.toFixed(value >= 1 ? 2 : 3)}`;
  return `$${value.toPrecision(2)}`;
};
export const pValue = (p: number): string => (p < 0.0001 ? '<0.0001' : `=${p.toFixed(4)}`);
export const percentChange = (value: number | null): string => (value === null || Number.isNaN(value) ? '–' : `${value >= 0 ? '+' : ''}${value.toFixed(1)}%`);
/** Integration rounds, each with its own decision: `+20.1% (35 pairs, regression), ...`. */
export const blocksText = (blocks: readonly BlockComparison[]): string => blocks.map((b) => `${signedPercent(b.ratio)} (${b.pairs} pairs, ${b.outcome})`).join(', ');
/** What a comparison rests on: its environment pairs and how much environments differ, or its integration rounds. */
export function unitsText(c: MetricComparison): string {
  if (c.blocks?.length) return blocksText(c.blocks);
  if (!c.environmentPairs) return c.units ? `${c.units} environment pairs` : '–';
  const sd = (value: number | undefined): string => (value === undefined || Number.isNaN(value) ? '–' : `${(Math.expm1(value) * 100).toFixed(1)}%`);
  return `${c.units} environment pairs; environments differ by ${sd(c.spread?.betweenEnvironments)} (sd), pairs within one by ${sd(c.spread?.withinEnvironment)}`;
}
