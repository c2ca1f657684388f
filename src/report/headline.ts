import type { MetricComparison } from '../analysis/comparison.js';
import { escapeMarkdown } from './escape.js';
import { bounded, changeWithInterval, money, ms, shortPercent } from './format.js';
import type { VariantResult } from '../analysis/result.js';
import type { FunctionResult, GateReport } from '../result/model.js';

/** The figures a function's one-line headline is drawn from. */
export interface Headline {
  /** The variant that decided the verdict, whose change the headline quotes (see `decidingVariant`). */
  readonly variant?: VariantResult;
  readonly warm?: MetricComparison;
  readonly costChangePercent: number | null;
  readonly recommended?: VariantResult;
}

const warmOf = (v: VariantResult): MetricComparison | undefined => v.comparisons.find((c) => c.metric === 'warm');

/** The warm change's ratio, highest first; a variant without one last. */
const slowestFirst = (a: VariantResult, b: VariantResult): number =>
  (warmOf(b)?.ratio ?? -Infinity) - (warmOf(a)?.ratio ?? -Infinity);

/**
 * The variant that decided the function's verdict: the worst warm regression (also one a label
 * accepted); else, for a fail or an inconclusive verdict, the slowest variant a finding of that
 * verdict names (a cold regression, a blown budget, an undecided comparison); else the
 * recommended variant. A reader who sees the recommended variant's improvement while another
 * variant regressed is misled about the pull request (issue 21).
 */
function decidingVariant(f: FunctionResult): VariantResult | undefined {
  const worst = f.variants.filter((v) => warmOf(v)?.outcome === 'regression').sort(slowestFirst)[0];
  if (worst) return worst;
  const decisive =
    f.verdict === 'fail' ? ['regression', 'budget'] : f.verdict === 'inconclusive' ? ['inconclusive'] : [];
  const named = new Set(f.findings.filter((r) => decisive.includes(r.kind)).map((r) => r.variant));
  const decided = f.variants.filter((v) => named.has(v.id)).sort(slowestFirst)[0];
  if (decided) return decided;
  const recommended = f.variants.find((v) => v.id === f.recommended?.variant);
  return (
    (recommended && warmOf(recommended) ? recommended : undefined) ?? f.variants.find((v) => warmOf(v)) ?? f.variants[0]
  );
}

export function headline(f: FunctionResult): Headline {
  const recommended = f.variants.find((v) => v.id === f.recommended?.variant);
  const variant = decidingVariant(f);
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

/** The traffic a monthly figure assumes, as the report's settings say it. */
export type TrafficAssumption = Pick<GateReport['settings'], 'invocationsPerMonth' | 'trafficSource'>;

/**
 * The traffic behind a monthly figure, and where it came from: `5,000,000 invocations a month
 * from the configuration's traffic`, or the default with the key that sets it.
 */
export function trafficText(traffic: TrafficAssumption): string {
  const count = `${traffic.invocationsPerMonth.toLocaleString('en-US')} invocations a month`;
  if (traffic.trafficSource === 'config') return `${count} from the configuration's traffic`;
  if (traffic.trafficSource === 'default') return `the default ${count}; set traffic.invocations-per-month`;
  return count;
}

/**
 * The PR's effect on a month's bill at the recommended variant, and the traffic it assumes:
 * `$8.32 a month, +$1.33 by this change, at 5,000,000 invocations a month (...)`.
 */
function monthlyEffect(v: VariantResult, traffic?: TrafficAssumption): string {
  const after = v.candidate.cost.monthlyUsd;
  const delta = after - v.baseline.cost.monthlyUsd;
  if (!Number.isFinite(after)) return '';
  const at = traffic ? `, at ${trafficText(traffic)}` : '';
  if (!Number.isFinite(delta)) return `${money(after)} a month${at}`;
  return `${money(after)} a month, ${delta >= 0 ? '+' : '-'}${money(Math.abs(delta))} by this change${at}`;
}

/**
 * The memory the production function (the configuration's template) runs with now, beside a
 * recommendation: `current: 512 MB`, `current: unknown` when it could not be told, or nothing when
 * the configuration names no production function.
 */
export function currentMemory(f: Pick<FunctionResult, 'production'>): string {
  if (!f.production) return '';
  return `current: ${f.production.memoryMb === undefined ? 'unknown' : `${f.production.memoryMb} MB`}`;
}

/** The warm medians behind a change, in milliseconds: ` (median 12.1 → 14.9 ms)`. */
function medians(v: VariantResult | undefined): string {
  const [before, after] = [v?.baseline.warm.p50, v?.candidate.warm.p50];
  if (before === undefined || after === undefined || !Number.isFinite(before) || !Number.isFinite(after)) return '';
  return ` (median ${ms(before)} → ${ms(after)} ms)`;
}

/**
 * The headline's text without the verdict or the name: `at 256 MB: warm +23% [+15, +32], cost
 * +23% per million; recommend 1024 MB ($8.32 a month, +$1.33 by this change)`. Markdown: the
 * gate's own figures, and variant names escaped.
 */
export function headlineText(f: FunctionResult, h: Headline = headline(f), traffic?: TrafficAssumption): string {
  const parts: string[] = [];
  const usable = h.warm !== undefined && bounded(h.warm);
  if (h.warm && usable) parts.push(`warm ${changeWithInterval(h.warm)}${medians(h.variant)}`);
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
  // Named whenever there is more than one: which variant a change was quoted at is half its meaning.
  const at = usable && h.variant && f.variants.length > 1 ? ` at ${variantLabel(h.variant, f)}` : '';
  const beside = [currentMemory(f), h.recommended ? monthlyEffect(h.recommended, traffic) : ''].filter(Boolean);
  const recommended = h.recommended
    ? `; recommend ${variantLabel(h.recommended, f)}${beside.length ? ` (${beside.join('; ')})` : ''}`
    : '';
  return `${at}: ${parts.join(', ')}${recommended}`;
}
