import type { Architecture } from '../config/types.js';

/**
 * Lambda prices (us-east-1 list prices from shared/FACTS.md; the duration prices of the few regions
 * that differ are still scaled by the per-region factors a widely used tuning tool applies, not yet
 * taken from AWS's price list). The account-wide free tier is not subtracted: it is shared by every
 * function of the account, so it says nothing about one change.
 */
interface Tier {
  /** GB-seconds a month this tier covers, cumulatively from the start; Infinity for the last. */
  readonly upToGbSeconds: number;
  readonly pricePerGbSecond: number;
}

const X86_TIERS: readonly Tier[] = [
  { upToGbSeconds: 6e9, pricePerGbSecond: 0.0000166667 },
  { upToGbSeconds: 15e9, pricePerGbSecond: 0.000015 },
  { upToGbSeconds: Infinity, pricePerGbSecond: 0.0000133334 },
];
const ARM_TIERS: readonly Tier[] = [
  { upToGbSeconds: 7.5e9, pricePerGbSecond: 0.0000133334 },
  { upToGbSeconds: 18.75e9, pricePerGbSecond: 0.0000120001 },
  { upToGbSeconds: Infinity, pricePerGbSecond: 0.0000106667 },
];
/** us-east-1's request price; some regions charge more or less (see `requestPriceUsd`). */
export const REQUEST_PRICE_USD = 0.2 / 1e6;
/** Regional request prices per million where they differ from us-east-1 (shared/FACTS.md "Pricing"). */
const REQUEST_PRICES_PER_MILLION: Readonly<Record<string, number>> = {
  'af-south-1': 0.27,
  'ap-east-1': 0.28,
  'me-south-1': 0.25,
  'eu-south-1': 0.23,
  'eu-central-2': 0.22,
  'ap-southeast-5': 0.18,
};

/** The price of one request in a region. */
export function requestPriceUsd(region: string): number {
  const perMillion = REQUEST_PRICES_PER_MILLION[region];
  return perMillion === undefined ? REQUEST_PRICE_USD : perMillion / 1e6;
}
/** SnapStart (from price-list copies): cache per GB-second while a version is active, restore per GB. */
export const SNAPSTART_CACHE_PER_GB_SECOND = 0.0000015046;
export const SNAPSTART_RESTORE_PER_GB = 0.0001397998;
const SECONDS_PER_MONTH = 730 * 3600;
/** Since 1 August 2025 Lambda bills INIT, up to its 10-second limit. */
export const MAX_BILLED_INIT_MS = 10_000;

/** x86 price per ms at 128 MB relative to the default 2.1e-9. */
const REGION_FACTORS: Readonly<Record<string, number>> = {
  'ap-east-1': 2.9 / 2.1,
  'af-south-1': 2.8 / 2.1,
  'me-south-1': 2.6 / 2.1,
  'eu-south-1': 2.4 / 2.1,
};

export function regionFactor(region: string): number {
  return REGION_FACTORS[region] ?? 1;
}

/** The average price per GB-second when a month's usage is `monthlyGbSeconds`, walking the tiers. */
export function blendedPricePerGbSecond(architecture: Architecture, region: string, monthlyGbSeconds: number): number {
  const tiers = architecture === 'arm64' ? ARM_TIERS : X86_TIERS;
  const factor = regionFactor(region);
  if (monthlyGbSeconds <= 0) return tiers[0]!.pricePerGbSecond * factor;
  let cost = 0;
  let from = 0;
  for (const tier of tiers) {
    const inTier = Math.min(monthlyGbSeconds, tier.upToGbSeconds) - from;
    if (inTier <= 0) break;
    cost += inTier * tier.pricePerGbSecond;
    from = tier.upToGbSeconds;
  }
  return (cost / monthlyGbSeconds) * factor;
}

/**
 * The price of a function's own GB-seconds when the account's aggregate for the month is
 * `accountGbSeconds` (this function included): what the function adds at the top of the account's
 * tiers. With no account volume, the first tier's price.
 */
export function marginalPricePerGbSecond(architecture: Architecture, region: string, functionGbSeconds: number, accountGbSeconds: number): number {
  if (accountGbSeconds <= 0 || functionGbSeconds <= 0) return blendedPricePerGbSecond(architecture, region, 0);
  const total = Math.max(accountGbSeconds, functionGbSeconds);
  const cost = (gbSeconds: number): number => (gbSeconds <= 0 ? 0 : blendedPricePerGbSecond(architecture, region, gbSeconds) * gbSeconds);
  return (cost(total) - cost(total - functionGbSeconds)) / functionGbSeconds;
}

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
}

export interface CostEstimate {
  readonly perInvocationUsd: number;
  readonly perMillionUsd: number;
  readonly monthlyUsd: number;
  /** The price per GB-second used, after tiers for the monthly volume and the region. */
  readonly pricePerGbSecond: number;
  readonly breakdownPerMillionUsd: { readonly compute: number; readonly requests: number; readonly coldStarts: number; readonly snapStart: number };
}

/**
 * Expected cost of one invocation: billed duration x memory x price, weighted by the share of
 * cold starts (whose INIT is billed), plus the request charge and SnapStart charges; and the
 * month's cost at the configured traffic, priced through the tiers.
 */
export function estimateCost(inputs: CostInputs): CostEstimate {
  const gb = inputs.memoryMb / 1024;
  const c = inputs.coldStartRate;
  const expectedBilledSeconds = ((1 - c) * inputs.warmBilledMs + c * inputs.coldBilledMs) / 1000;
  const monthlyGbSeconds = expectedBilledSeconds * gb * inputs.invocationsPerMonth;
  const price = marginalPricePerGbSecond(inputs.architecture, inputs.region, monthlyGbSeconds, inputs.accountGbSecondsPerMonth ?? 0);
  const requestPrice = requestPriceUsd(inputs.region);
  const snapStartCharged = inputs.snapStart === true && !/^java/.test(inputs.runtime ?? '');
  const warmCompute = (inputs.warmBilledMs / 1000) * gb * price;
  const coldCompute = (inputs.coldBilledMs / 1000) * gb * price;
  // Every invocation pays for its duration as a warm one would; cold starts add what their
  // billed INIT (and slower first run) cost beyond that.
  const compute = warmCompute;
  const coldStarts = c * (coldCompute - warmCompute);
  const restore = snapStartCharged ? c * gb * SNAPSTART_RESTORE_PER_GB : 0;
  const perInvocation = compute + coldStarts + requestPrice + restore;
  const cache = snapStartCharged ? gb * SECONDS_PER_MONTH * SNAPSTART_CACHE_PER_GB_SECOND : 0;
  return {
    perInvocationUsd: perInvocation,
    perMillionUsd: perInvocation * 1e6,
    monthlyUsd: perInvocation * inputs.invocationsPerMonth + cache,
    pricePerGbSecond: price,
    breakdownPerMillionUsd: { compute: compute * 1e6, requests: requestPrice * 1e6, coldStarts: coldStarts * 1e6, snapStart: restore * 1e6 },
  };
}

/** What a cold start bills: the REPORT's Billed Duration, or INIT + Duration where a REPORT predates INIT billing. */
export function billedColdMs(reportedBilledMs: number, durationMs: number, initMs: number): number {
  return Math.max(reportedBilledMs, Math.ceil(durationMs + Math.min(initMs, MAX_BILLED_INIT_MS)));
}
