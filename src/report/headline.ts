import type { MetricComparison } from '../analysis/comparison.js';
import { escapeMarkdown } from './escape.js';
import { changeWithInterval, money, shortPercent, unbounded } from './format.js';
import type { VariantResult } from '../analysis/result.js';
import type { FunctionResult } from './model.js';

/** The figures a function's one-line headline is drawn from. */
export interface Headline {
  /** The variant the change is quoted at: the worst regression, else the recommended one, else the first. */
  readonly variant?: VariantResult;
  readonly warm?: MetricComparison;
  readonly costChangePercent: number | null;
  readonly recommended?: VariantResult;
}

const warmOf = (v: VariantResult): MetricComparison | undefined => v.comparisons.find((c) => c.metric === 'warm');

export function headline(f: FunctionResult): Headline {
  const regressions = f.variants.filter((v) => warmOf(v)?.outcome === 'regression');
  const worst = regressions.sort((a, b) => warmOf(b)!.ratio - warmOf(a)!.ratio)[0];
  const recommended = f.variants.find((v) => v.id === f.recommended?.variant);
  const variant =
    worst ??
    (recommended && warmOf(recommended) ? recommended : undefined) ??
    f.variants.find((v) => warmOf(v)) ??
    f.variants[0];
  const warm = variant ? warmOf(variant) : undefined;
  return {
    ...(variant ? { variant } : {}),
    ...(warm ? { warm } : {}),
    costChangePercent: variant?.costChangePercent ?? null,
    ...(recommended ? { recommended } : {}),
  };
}

/**
 * A variant as a reader names it: `512 MB`, with the architecture when the function was measured
 * on more than one, and the variant's name (from the config, so escaped) when it has one.
 */
export function variantLabel(v: VariantResult, f: FunctionResult): string {
  const architectures = new Set(f.variants.map((x) => x.architecture));
  return [
    `${v.memoryMb} MB`,
    architectures.size > 1 ? v.architecture : '',
    v.name === 'default' ? '' : escapeMarkdown(v.name),
  ]
    .filter(Boolean)
    .join(' ');
}

/** The PR's effect on a month's bill at the recommended variant: `$8.32 a month, +$1.33 by this change`. */
export function monthlyEffect(v: VariantResult): string {
  const after = v.candidate.cost.monthlyUsd;
  const delta = after - v.baseline.cost.monthlyUsd;
  if (!Number.isFinite(after)) return '';
  if (!Number.isFinite(delta)) return `${money(after)} a month`;
  return `${money(after)} a month, ${delta >= 0 ? '+' : '-'}${money(Math.abs(delta))} by this change`;
}

/**
 * The headline's text without the verdict or the name: `at 256 MB: warm +23% [+15, +32], cost
 * +23% per million; recommend 1024 MB ($8.32 a month, +$1.33 by this change)`. Markdown: the
 * gate's own figures, and variant names escaped.
 */
export function headlineText(f: FunctionResult, h: Headline = headline(f)): string {
  const parts: string[] = [];
  const usable = h.warm !== undefined && !Number.isNaN(h.warm.ratio) && !unbounded(h.warm);
  if (h.warm && usable) parts.push(`warm ${changeWithInterval(h.warm)}`);
  if (usable && h.costChangePercent !== null && Number.isFinite(h.costChangePercent))
    parts.push(`cost ${shortPercent(h.costChangePercent)} per million`);
  if (!usable)
    parts.push(
      h.variant?.stopped
        ? `no comparison: ${escapeMarkdown(h.variant.stopped)}`
        : h.warm
          ? changeWithInterval(h.warm)
          : 'no comparison',
    );
  const at =
    usable && h.variant && f.variants.length > 1 && h.variant !== h.recommended
      ? ` at ${variantLabel(h.variant, f)}`
      : '';
  const recommended = h.recommended
    ? `; recommend ${variantLabel(h.recommended, f)}${monthlyEffect(h.recommended) ? ` (${monthlyEffect(h.recommended)})` : ''}`
    : '';
  return `${at}: ${parts.join(', ')}${recommended}`;
}
