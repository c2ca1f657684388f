import { BUDGET_KEYS, BUDGET_METRICS, type BudgetKey, type BudgetMetric, type Budgets } from '../config/budgets.js';
import type { ArmStats } from './arm-stats.js';

export interface BudgetCheck {
  readonly budget: BudgetKey;
  readonly limit: number;
  readonly value: number;
  readonly unit: BudgetMetric['unit'];
  readonly ok: boolean;
}

/** How each budget reads its figure from one build's statistics at one variant (NaN: not measured). */
const READ: Readonly<Record<BudgetKey, (stats: ArmStats) => number>> = {
  'warm-p50-ms': (s) => s.warm.p50,
  'warm-p90-ms': (s) => s.warm.p90,
  'warm-p99-ms': (s) => s.warm.p99,
  'cold-p50-ms': (s) => s.cold.p50,
  'cold-p90-ms': (s) => s.cold.p90,
  'cost-per-million-usd': (s) => s.cost.perMillionUsd,
  'max-memory-used-pct': (s) => (100 * s.maxMemoryUsedMb) / s.memorySizeMb,
};

/** Checks a candidate's figures at one variant against every budget set. */
export function checkBudgets(stats: ArmStats, budgets: Budgets): BudgetCheck[] {
  return BUDGET_KEYS.flatMap((budget) => {
    const limit = budgets[budget];
    if (limit === undefined) return [];
    const value = READ[budget](stats);
    // A figure that could not be measured (no cold starts seen) cannot meet a budget.
    return [{ budget, limit, value, unit: BUDGET_METRICS[budget].unit, ok: !Number.isNaN(value) && value <= limit }];
  });
}

/** Latency and memory budgets, which a memory size can meet or miss; cost is judged separately. */
export const isLatencyBudget = (check: BudgetCheck): boolean => BUDGET_METRICS[check.budget].judges === 'latency';
