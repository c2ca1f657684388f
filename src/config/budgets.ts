/**
 * Every budget a function can set, once: its key in the configuration (and in reports), its
 * unit, its bounds and what it judges. The schema, the type of `Budgets`, the checks
 * (analysis/budgets.ts, which must read every key from the statistics) and the report's budget
 * table all follow from this table: a new budget is one entry here and one reader there.
 */
export const BUDGET_METRICS = {
  'warm-p50-ms': { unit: 'ms', judges: 'latency', description: 'median warm duration, ms' },
  'warm-p90-ms': { unit: 'ms', judges: 'latency', description: '90th percentile of warm duration, ms' },
  'warm-p99-ms': { unit: 'ms', judges: 'latency', description: '99th percentile of warm duration, ms' },
  'cold-p50-ms': {
    unit: 'ms',
    judges: 'latency',
    description: 'median cold-start duration (INIT + first invocation), ms',
  },
  'cold-p90-ms': { unit: 'ms', judges: 'latency', description: '90th percentile of cold-start duration, ms' },
  'cost-per-million-usd': {
    unit: 'USD',
    judges: 'cost',
    description: 'cost of a million invocations at the configured cold-start rate, USD',
  },
  'max-memory-used-pct': {
    unit: '%',
    judges: 'latency',
    max: 100,
    description: 'highest Max Memory Used, % of the memory size',
  },
} as const satisfies Readonly<Record<string, BudgetMetric>>;

export interface BudgetMetric {
  readonly unit: 'ms' | 'USD' | '%';
  /** Latency (and memory) budgets decide which memory sizes may be recommended; cost is judged on its own. */
  readonly judges: 'latency' | 'cost';
  /** The largest limit that makes sense, when there is one. */
  readonly max?: number;
  readonly description: string;
}

export type BudgetKey = keyof typeof BUDGET_METRICS;
export const BUDGET_KEYS = Object.keys(BUDGET_METRICS) as BudgetKey[];
/** The limits a function set, by budget key. */
export type Budgets = Readonly<Partial<Record<BudgetKey, number>>>;
