import type { Architecture } from '../model/architecture.js';
import {
  managedInstancePrice,
  MANAGED_INSTANCES_FEE,
  MANAGED_INSTANCES_REQUEST_USD,
} from '../pricing/managed-instances.js';
import {
  FREE_EPHEMERAL_STORAGE_MB,
  marginalPricePerGbSecond,
  MAX_BILLED_INIT_MS,
  pricesFor,
  SECONDS_PER_MONTH,
  SNAPSTART_CACHE_PER_GB_SECOND,
  SNAPSTART_RESTORE_PER_GB,
} from '../pricing/price-list.js';

export interface CostInputs {
  readonly memoryMb: number;
  readonly architecture: Architecture;
  readonly region: string;
  /** Mean billed duration of a warm invocation. */
  readonly warmBilledMs: number;
  /** Mean billed duration of a cold start, INIT included. */
  readonly coldBilledMs: number;
  readonly coldStartRate: number;
  readonly invocationsPerMonth: number;
  /** SnapStart: restores are charged per GB and the snapshot cache per GB-second. */
  readonly snapStart?: boolean;
  /** The function's runtime, where known: SnapStart is charged for Python and .NET, free for Java. */
  readonly runtime?: string;
  /**
   * The account's monthly GB-seconds in this region and architecture, this function included.
   * Tiers apply to that aggregate; without it every GB-second is priced at the first tier.
   */
  readonly accountGbSecondsPerMonth?: number;
  /** The function's EphemeralStorage size; above 512 MB it is billed per GB-second of duration. */
  readonly ephemeralStorageMb?: number;
}

export interface CostEstimate {
  readonly perInvocationUsd: number;
  readonly perMillionUsd: number;
  readonly monthlyUsd: number;
  /** The price per GB-second used, after tiers for the monthly volume and the region. */
  readonly pricePerGbSecond: number;
  readonly breakdownPerMillionUsd: {
    readonly compute: number;
    readonly requests: number;
    readonly coldStarts: number;
    readonly snapStart: number;
    readonly ephemeralStorage: number;
  };
  /** What the estimate could not price exactly, one sentence each. */
  readonly notes?: readonly string[];
}

/**
 * Expected cost of one invocation: billed duration x memory x price, weighted by the share of
 * cold starts (whose INIT is billed), plus the request charge, ephemeral storage above 512 MB and
 * SnapStart charges; and the month's cost at the configured traffic, priced through the tiers.
 */
export function estimateCost(inputs: CostInputs): CostEstimate {
  const prices = pricesFor(inputs.region, inputs.architecture);
  const gb = inputs.memoryMb / 1024;
  const c = inputs.coldStartRate;
  const expectedBilledSeconds = ((1 - c) * inputs.warmBilledMs + c * inputs.coldBilledMs) / 1000;
  const monthlyGbSeconds = expectedBilledSeconds * gb * inputs.invocationsPerMonth;
  const accountGbSeconds = inputs.accountGbSecondsPerMonth ?? 0;
  const price = marginalPricePerGbSecond(inputs.architecture, inputs.region, monthlyGbSeconds, accountGbSeconds);
  const requestPrice = prices.requestUsd;
  const snapStartCharged = inputs.snapStart === true && !/^java/.test(inputs.runtime ?? '');
  const warmCompute = (inputs.warmBilledMs / 1000) * gb * price;
  const coldCompute = (inputs.coldBilledMs / 1000) * gb * price;
  // Every invocation pays for its duration as a warm one would; cold starts add what their
  // billed INIT (and slower first run) cost beyond that.
  const compute = warmCompute;
  const coldStarts = c * (coldCompute - warmCompute);
  const restore = snapStartCharged ? c * gb * SNAPSTART_RESTORE_PER_GB : 0;
  const extraStorageGb =
    Math.max(0, (inputs.ephemeralStorageMb ?? FREE_EPHEMERAL_STORAGE_MB) - FREE_EPHEMERAL_STORAGE_MB) / 1024;
  const storage = expectedBilledSeconds * extraStorageGb * prices.ephemeralStorageUsdPerGbSecond;
  const perInvocation = compute + coldStarts + requestPrice + restore + storage;
  const cache = snapStartCharged ? gb * SECONDS_PER_MONTH * SNAPSTART_CACHE_PER_GB_SECOND : 0;
  const firstTier = prices.duration[0]!;
  const beyondFirstTier = !prices.tiersComplete && accountGbSeconds > 0;
  const notes = beyondFirstTier
    ? [
        `${inputs.region} ${inputs.architecture}: the price list copy gives only the first duration tier, so every GB-second is priced at $${firstTier.usdPerGbSecond}; at the account's volume later tiers may be cheaper`,
      ]
    : [];
  return {
    perInvocationUsd: perInvocation,
    perMillionUsd: perInvocation * 1e6,
    monthlyUsd: perInvocation * inputs.invocationsPerMonth + cache,
    pricePerGbSecond: price,
    breakdownPerMillionUsd: {
      compute: compute * 1e6,
      requests: requestPrice * 1e6,
      coldStarts: coldStarts * 1e6,
      snapStart: restore * 1e6,
      ephemeralStorage: storage * 1e6,
    },
    ...(notes.length ? { notes } : {}),
  };
}

/** What a cold start bills: the REPORT's Billed Duration, or INIT + Duration where a REPORT predates INIT billing. */
export function billedColdMs(reportedBilledMs: number, durationMs: number, initMs: number): number {
  return Math.max(reportedBilledMs, Math.ceil(durationMs + Math.min(initMs, MAX_BILLED_INIT_MS)));
}

export interface ManagedInstancesInputs {
  readonly region: string;
  readonly instanceType: string;
  /** Instances the capacity provider keeps running on average over the month. */
  readonly instances: number;
  readonly invocationsPerMonth: number;
  /** The instance's on-demand price, where the table lacks it. */
  readonly usdPerHour?: number;
}

/**
 * A Managed Instances function's cost: the capacity provider's instances for the month at the EC2
 * price plus the 15% management fee, and $0.20 per million requests. Duration is not billed, so the
 * cost per invocation falls as the same instances serve more traffic.
 */
export function estimateManagedInstancesCost(inputs: ManagedInstancesInputs): CostEstimate {
  const hourly = managedInstancePrice(inputs.region, inputs.instanceType, inputs.usdPerHour);
  if (typeof hourly === 'string') throw new Error(hourly);
  const instancesMonthly = inputs.instances * hourly * (1 + MANAGED_INSTANCES_FEE) * (SECONDS_PER_MONTH / 3600);
  const requests = MANAGED_INSTANCES_REQUEST_USD * inputs.invocationsPerMonth;
  const monthly = instancesMonthly + requests;
  const perInvocation = inputs.invocationsPerMonth > 0 ? monthly / inputs.invocationsPerMonth : NaN;
  return {
    perInvocationUsd: perInvocation,
    perMillionUsd: perInvocation * 1e6,
    monthlyUsd: monthly,
    pricePerGbSecond: 0,
    breakdownPerMillionUsd: {
      compute: (perInvocation - MANAGED_INSTANCES_REQUEST_USD) * 1e6,
      requests: MANAGED_INSTANCES_REQUEST_USD * 1e6,
      coldStarts: 0,
      snapStart: 0,
      ephemeralStorage: 0,
    },
  };
}
