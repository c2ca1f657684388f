import type { Budgets } from '../config/types.js';
import type { ArmStats } from './arm-stats.js';

export interface BudgetCheck {
  readonly budget: string;
  readonly limit: number;
  readonly value: number;
  readonly unit: 'ms' | 'USD' | '%';
  readonly ok: boolean;
}

/** Checks a candidate's figures at one variant against every budget set. */
export function checkBudgets(stats: ArmStats, budgets: Budgets): BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  const add = (budget: string, limit: number | undefined, value: number, unit: BudgetCheck['unit']): void => {
    // A figure that could not be measured (no cold starts seen) cannot meet a budget.
    if (limit !== undefined) checks.push({ budget, limit, value, unit, ok: !Number.isNaN(value) && value <= limit });
  };
  add('warm-p50-ms', budgets.warmP50Ms, stats.warm.p50, 'ms');
  add('warm-p90-ms', budgets.warmP90Ms, stats.warm.p90, 'ms');
  add('warm-p99-ms', budgets.warmP99Ms, stats.warm.p99, 'ms');
  add('cold-p50-ms', budgets.coldP50Ms, stats.cold.p50, 'ms');
  add('cold-p90-ms', budgets.coldP90Ms, stats.cold.p90, 'ms');
  add('cost-per-million-usd', budgets.costPerMillionUsd, stats.cost.perMillionUsd, 'USD');
  add('max-memory-used-pct', budgets.maxMemoryUsedPct, (100 * stats.maxMemoryUsedMb) / stats.memorySizeMb, '%');
  return checks;
}

/** Latency and memory budgets, which a memory size can meet or miss; cost is judged separately. */
export const isLatencyBudget = (check: BudgetCheck): boolean => check.budget !== 'cost-per-million-usd';
