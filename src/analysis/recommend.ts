import { assertNever } from '../assert-never.js';
import type { Architecture } from '../model/architecture.js';
import type { Strategy } from '../config/types.js';
import type { ArmStats } from './arm-stats.js';
import { isLatencyBudget, type BudgetCheck } from './budgets.js';

export interface Candidate {
  readonly variant: string;
  readonly stats: ArmStats;
  readonly budgets: readonly BudgetCheck[];
  /** The variant's architecture and, where they differ, the one its timings were measured on. */
  readonly architecture?: Architecture;
  readonly measuredOn?: Architecture;
}

/** Whether a candidate's timings describe its own architecture (not another host's CPU). */
const measuredOnOwnArchitecture = (c: Candidate): boolean =>
  c.measuredOn === undefined || c.measuredOn === c.architecture;

export interface Recommendation {
  readonly variant: string;
  readonly strategy: Strategy;
  readonly why: string;
}

const speedOf = (c: Candidate): number => c.stats.warm.p90;
const costOf = (c: Candidate): number => c.stats.cost.perInvocationUsd;
const money = (usd: number): string => `$${(usd * 1e6).toFixed(2)} per million`;

/**
 * Picks the variant the candidate build should run with:
 * - cost: the cheapest per invocation;
 * - speed: the lowest warm p90;
 * - balanced: the lowest weighted sum of cost and p90, each relative to the best variant's;
 * - cheapest-within-budget: the cheapest whose latency and memory budgets all hold, or the
 *   fastest when none does (the verdict then reports the budget).
 * A variant whose timings were taken on a host of another architecture is never picked: its
 * speed and cost describe the host's CPU, not its own.
 */
export function recommend(
  candidates: readonly Candidate[],
  strategy: Strategy,
  balancedWeight: number,
): Recommendation | undefined {
  const usable = candidates.filter(
    (c) => measuredOnOwnArchitecture(c) && !Number.isNaN(speedOf(c)) && !Number.isNaN(costOf(c)),
  );
  if (usable.length === 0) return undefined;
  const pick = (score: (c: Candidate) => number): Candidate =>
    usable.reduce((best, c) => (score(c) < score(best) ? c : best));
  switch (strategy) {
    case 'cost': {
      const best = pick(costOf);
      return { variant: best.variant, strategy, why: `cheapest at ${money(costOf(best))}` };
    }
    case 'speed': {
      const best = pick(speedOf);
      return { variant: best.variant, strategy, why: `fastest, warm p90 ${speedOf(best).toFixed(1)} ms` };
    }
    case 'balanced': {
      const minCost = Math.min(...usable.map(costOf));
      const minSpeed = Math.min(...usable.map(speedOf));
      const best = pick((c) => balancedWeight * (costOf(c) / minCost) + (1 - balancedWeight) * (speedOf(c) / minSpeed));
      return {
        variant: best.variant,
        strategy,
        why: `best balance (weight ${balancedWeight} on cost): ${money(costOf(best))}, warm p90 ${speedOf(best).toFixed(1)} ms`,
      };
    }
    case 'cheapest-within-budget': {
      const within = usable.filter((c) => c.budgets.filter(isLatencyBudget).every((b) => b.ok));
      if (within.length === 0) {
        const fastest = pick(speedOf);
        return {
          variant: fastest.variant,
          strategy,
          why: `no variant meets the latency budgets; fastest shown (warm p90 ${speedOf(fastest).toFixed(1)} ms)`,
        };
      }
      const best = within.reduce((a, c) => (costOf(c) < costOf(a) ? c : a));
      return { variant: best.variant, strategy, why: `cheapest within the latency budgets at ${money(costOf(best))}` };
    }
    default:
      return assertNever(strategy, 'strategy');
  }
}
