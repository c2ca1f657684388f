import { availableParallelism } from 'node:os';
import { gaussian, seededRandom } from '../../random.js';
import type { Cgroups, EnvironmentCgroup } from './cgroups.js';

/** Lambda gives one full vCPU at 1,769 MB and scales CPU linearly with memory. */
export const MB_PER_VCPU = 1769;
/**
 * Lambda enforces the share as a CFS-style quota in a period of about 20 ms (measured from
 * inside Lambda; FACTS.md "Compute and limits"): work shorter than share x 20 ms runs at full
 * speed, longer work pauses until the next period. The kernel's smallest quota is 1 ms.
 */
export const PERIOD_US = 20_000;
const MIN_QUOTA_US = 1_000;

/** Period and quota, in microseconds, for a CPU share. */
function bandwidth(share: number): { periodUs: number; quotaUs: number } {
  return { periodUs: PERIOD_US, quotaUs: Math.max(MIN_QUOTA_US, Math.round(share * PERIOD_US)) };
}

export interface ThrottleStatus {
  readonly enabled: boolean;
  /** `cgroup-v2`, `cgroup-v1`, or `none`. */
  readonly mechanism: 'cgroup-v2' | 'cgroup-v1' | 'none';
  /** SD (log scale) of each environment's lasting CPU speed factor; 0 for none. */
  readonly environmentSpread: number;
  /** The quota period in milliseconds, when throttled. */
  readonly periodMs?: number;
  /** Whether INIT runs under the memory's quota too (off by default: Lambda boosts on-demand INIT). */
  readonly initThrottled?: boolean;
  /** One plain sentence for people and reports. */
  readonly statement: string;
}

/** The share of CPUs a memory size buys, capped at what the host has. */
export function cpuShare(memoryMb: number, hostCpus = availableParallelism()): number {
  return Math.min(memoryMb / MB_PER_VCPU, hostCpus);
}

/** One environment's CPU quota. */
export interface CpuQuota {
  /**
   * Sets the memory's quota with a full budget for the current period, as a thawed Lambda
   * environment starts each invocation (rewriting the quota refills the kernel's budget).
   */
  refill(): void;
}

export interface CpuThrottleOptions {
  /** Turns throttling off even where the host allows it. */
  readonly disabled?: boolean;
  /**
   * The model clock computes Duration from CPU time, so no quota is set: the statement says that
   * the model, not a cgroup, scales durations with memory.
   */
  readonly modelClock?: boolean;
  /** Keeps INIT under the memory's quota (the old behaviour) instead of running it unthrottled. */
  readonly throttleInit?: boolean;
  /**
   * The SD (log scale) of a lasting speed factor exp(N(0, SD)) that each new environment is given,
   * drawn from `seed`: a test bed for environments that differ for their whole life, as they do
   * on Lambda. Under the model clock the environment's CPU does the accounted work `factor` times
   * faster; under the wall clock its CPU quota is multiplied by it, and a factor above 1 buys more
   * than the memory's share, which a single-threaded handler can use only below 1,769 MB.
   */
  readonly environmentSpread?: number;
  readonly seed?: number;
}

/**
 * Confines each execution environment to memory/1769 of a CPU in a 20 ms period through its
 * cgroup, where the host lets this process create one. Where it cannot, it says so once and
 * environments run unthrottled, so durations do not scale with memory.
 */
export class CpuThrottle {
  readonly status: ThrottleStatus;
  private readonly version: 1 | 2 | undefined;
  private readonly spread: number;
  private readonly random: () => number;

  constructor(
    cgroups: Pick<Cgroups, 'version' | 'unavailableReason'>,
    private readonly options: CpuThrottleOptions = {},
  ) {
    this.spread = options.environmentSpread ?? 0;
    this.random = seededRandom((options.seed ?? 1) + 2);
    if (options.modelClock) {
      const spread =
        this.spread > 0 ? ` Each new environment's CPU runs at a lasting speed factor exp(N(0, ${this.spread})).` : '';
      this.status = {
        enabled: false,
        mechanism: 'none',
        environmentSpread: this.spread,
        statement: `CPU is not throttled: the model clock scales each invocation's CPU time to memory/${MB_PER_VCPU} of a vCPU in ${PERIOD_US / 1000} ms periods with a fresh quota per invocation (INIT boosted), so durations scale with memory.${spread}`,
      };
      return;
    }
    if (options.disabled) {
      this.status = unthrottled('CPU throttling was turned off for this service', this.spread);
      return;
    }
    this.version = cgroups.version('cpu');
    if (this.version === undefined) {
      this.status = unthrottled(cgroups.unavailableReason('cpu'), this.spread);
      return;
    }
    const spread =
      this.spread > 0
        ? ` Each new environment's CPU quota is multiplied by a lasting speed factor exp(N(0, ${this.spread})).`
        : '';
    const init = options.throttleInit ? 'INIT too' : 'INIT runs unthrottled, as Lambda boosts on-demand INIT';
    this.status = {
      enabled: true,
      mechanism: this.version === 2 ? 'cgroup-v2' : 'cgroup-v1',
      environmentSpread: this.spread,
      periodMs: PERIOD_US / 1000,
      initThrottled: options.throttleInit === true,
      statement: `CPU is throttled to memory/${MB_PER_VCPU} of a vCPU per environment (cgroup v${this.version}) in a ${PERIOD_US / 1000} ms period with a fresh quota per invocation (${init}), so durations scale with memory.${spread}`,
    };
  }

  /**
   * Sets up an environment's group before its first process enrols: unthrottled for INIT unless
   * asked otherwise. Undefined when the environment is not throttled.
   */
  attach(group: EnvironmentCgroup | undefined, memoryMb: number, speedFactor: number): CpuQuota | undefined {
    if (!this.status.enabled || !group?.has('cpu')) return undefined;
    const { periodUs, quotaUs } = bandwidth(cpuShare(memoryMb) * speedFactor);
    const setQuota = (quota: number | undefined): boolean =>
      group.version('cpu') === 2
        ? group.write('cpu', 'cpu.max', `${quota ?? 'max'} ${periodUs}`)
        : // v1 checks a quota against the current period, so the period goes first.
          group.write('cpu', 'cpu.cfs_period_us', String(periodUs)) &&
          group.write('cpu', 'cpu.cfs_quota_us', String(quota ?? -1));
    if (!setQuota(this.options.throttleInit ? quotaUs : undefined)) return undefined;
    return { refill: () => void setQuota(quotaUs) };
  }

  /** A new environment's lasting speed factor: 1 without a spread, or where the spread cannot apply. */
  drawSpeedFactor(): number {
    return this.status.environmentSpread > 0 ? Math.exp(this.spread * gaussian(this.random)) : 1;
  }
}

function unthrottled(reason: string, spread: number): ThrottleStatus {
  const lost = spread > 0 ? ` The environment spread of ${spread} cannot be applied without it.` : '';
  return {
    enabled: false,
    mechanism: 'none',
    environmentSpread: 0,
    statement: `CPU is NOT throttled by memory (${reason}); durations do not scale with memory size.${lost}`,
  };
}
