import type { Architecture } from '../model/architecture.js';
import type { ManagedInstancesSpec } from '../config/types.js';
import { coldLatencyMs, type Sample } from '../model/sample.js';
import { billedColdMs, estimateCost, estimateManagedInstancesCost, type CostEstimate } from './cost.js';
import { mean, quantile, sortedCopy } from './statistics.js';

interface Distribution {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
}

export interface ArmStats {
  /** Warm Duration, ms. */
  readonly warm: Distribution;
  /** Cold start latency, ms: Init (or Restore) Duration + Duration. */
  readonly cold: Distribution;
  /** Init Duration alone, ms. */
  readonly init: Distribution;
  readonly maxMemoryUsedMb: number;
  readonly memorySizeMb: number;
  readonly invocations: number;
  readonly errors: number;
  readonly wrongAnswers: number;
  readonly warmBilledMsMean: number;
  readonly coldBilledMsMean: number;
  readonly cost: CostEstimate;
}

function distribution(values: readonly number[]): Distribution {
  const sorted = sortedCopy(values);
  return {
    n: sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    mean: mean(sorted),
  };
}

export interface CostContext {
  readonly region: string;
  readonly architecture: Architecture;
  readonly memoryMb: number;
  readonly coldStartRate: number;
  readonly invocationsPerMonth: number;
  readonly snapStart: boolean;
  /** The function's runtime where known (SnapStart is free for Java). */
  readonly runtime?: string;
  /** The account's monthly GB-seconds, for the price tiers. */
  readonly accountGbSecondsPerMonth?: number;
  /** The function's EphemeralStorage size in MB; above 512 it is billed. */
  readonly ephemeralStorageMb?: number;
  /** Lambda Managed Instances: priced by its instances and requests, not by duration. */
  readonly managedInstances?: ManagedInstancesSpec;
}

/**
 * Quantiles, memory and cost of one build at one variant. Failed invocations count as errors and
 * are left out of the latency figures, which describe the function working.
 */
export function armStats(samples: readonly Sample[], context: CostContext, warmUps: readonly Sample[] = []): ArmStats {
  const ok = samples.filter((s) => !s.errorType);
  // Calls in no figure (a duet environment's first calls) count as invocations, errors and wrong answers.
  const calls = [...warmUps, ...samples];
  const warm = ok.filter((s) => s.kind === 'warm');
  const cold = ok.filter((s) => s.kind === 'cold');
  const warmBilled = mean(warm.map((s) => s.billedDurationMs));
  const coldBilled = mean(
    cold.map(
      (s) => billedColdMs(s.billedDurationMs, s.durationMs, s.initDurationMs ?? 0) + (s.billedRestoreDurationMs ?? 0),
    ),
  );
  const warmBilledMs = Number.isNaN(warmBilled) ? coldBilled : warmBilled;
  // Without cold samples (sampling.cold: 0 and none seen), a cold start is priced as a warm one.
  const coldBilledMs = Number.isNaN(coldBilled) ? warmBilledMs : coldBilled;
  return {
    warm: distribution(warm.map((s) => s.durationMs)),
    cold: distribution(cold.map(coldLatencyMs)),
    init: distribution(cold.map((s) => s.initDurationMs ?? s.restoreDurationMs ?? 0)),
    maxMemoryUsedMb: samples.reduce((max, s) => Math.max(max, s.maxMemoryUsedMb), 0),
    memorySizeMb: context.memoryMb,
    invocations: calls.length,
    errors: calls.filter((s) => s.errorType).length,
    wrongAnswers: calls.filter((s) => s.wrongAnswer).length,
    warmBilledMsMean: warmBilledMs,
    coldBilledMsMean: coldBilledMs,
    cost: context.managedInstances
      ? estimateManagedInstancesCost({
          region: context.region,
          invocationsPerMonth: context.invocationsPerMonth,
          ...context.managedInstances,
        })
      : estimateCost({
          memoryMb: context.memoryMb,
          architecture: context.architecture,
          region: context.region,
          warmBilledMs: Number.isNaN(warmBilledMs) ? 0 : warmBilledMs,
          coldBilledMs: Number.isNaN(coldBilledMs) ? 0 : coldBilledMs,
          coldStartRate: context.coldStartRate,
          invocationsPerMonth: context.invocationsPerMonth,
          snapStart: context.snapStart,
          ...(context.runtime === undefined ? {} : { runtime: context.runtime }),
          ...(context.accountGbSecondsPerMonth === undefined
            ? {}
            : { accountGbSecondsPerMonth: context.accountGbSecondsPerMonth }),
          ...(context.ephemeralStorageMb === undefined ? {} : { ephemeralStorageMb: context.ephemeralStorageMb }),
        }),
  };
}
