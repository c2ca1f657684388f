import { ExecutionEnvironment, type EnvironmentServices, type EnvironmentSpec } from './environment.js';
import type { PackageHolds } from '../control-plane/package-store.js';
import { LambdaServiceError } from '../http/service-error.js';

interface PooledEnvironment {
  readonly environment: ExecutionEnvironment;
  readonly key: string;
  readonly functionName: string;
  readonly version: string;
  /** The package it runs, held until it has stopped. */
  readonly codeDirectory: string;
  /** The host memory its tmpfs may take (see LimitsPolicy.footprintMb), counted until it has stopped. */
  readonly footprintMb: number;
  idleTimer?: NodeJS.Timeout;
  lastUsed: number;
  stopping: boolean;
}

export interface PoolOptions {
  /** How long an idle environment stays warm. */
  readonly idleTimeoutMs: number;
  /** The account's concurrency: environments alive at once, busy or idle. */
  readonly maxEnvironments: number;
}

export interface Acquired {
  readonly environment: ExecutionEnvironment;
  release(): void;
}

/**
 * Environments grouped by what they run (function, version, revision). An idle one is reused;
 * when none is idle a new one starts, up to the account's concurrency, as Lambda scales, and
 * while the tmpfs of all environments fit the service's budget: their memory is the host's.
 */
export class EnvironmentPool {
  private readonly pooled = new Set<PooledEnvironment>();
  /** Environments stopping, with what their tmpfs holds until they have. */
  private readonly retiring = new Map<Promise<void>, number>();
  private starting = 0;
  /** The tmpfs footprint of every environment starting, alive or stopping, in MB. */
  private heldMb = 0;
  private stopped = false;

  constructor(
    private readonly services: EnvironmentServices,
    private readonly options: PoolOptions,
    private readonly packages?: PackageHolds,
  ) {}

  get size(): number {
    return this.pooled.size;
  }

  /** What each live environment runs and its lasting CPU speed factor, for `/local/info`. */
  describe(): { functionName: string; version: string; speedFactor: number }[] {
    return [...this.pooled].map(({ functionName, version, environment }) => ({
      functionName,
      version,
      speedFactor: environment.speedFactor,
    }));
  }

  async acquire(spec: EnvironmentSpec, key: string): Promise<Acquired> {
    if (this.stopped) throw new LambdaServiceError('ServiceException', 'The service is stopping.');
    for (const entry of this.pooled) {
      if (entry.key === key && entry.environment.idle) {
        clearTimeout(entry.idleTimer);
        entry.lastUsed = Date.now();
        return this.acquired(entry);
      }
    }
    if (this.pooled.size + this.starting >= this.options.maxEnvironments && !this.evictIdle()) {
      throw new LambdaServiceError(
        'TooManyRequestsException',
        'Rate Exceeded.',
        { Reason: 'ConcurrentInvocationLimitExceeded' },
        { 'Retry-After': '1' },
      );
    }
    const footprintMb = this.services.limits.footprintMb(spec.ephemeralStorageMb);
    const gone = (): void => {
      this.heldMb -= footprintMb;
      this.packages?.release(spec.codeDirectory);
    };
    this.starting++;
    let environment: ExecutionEnvironment;
    try {
      await this.makeRoom(footprintMb);
      this.packages?.hold(spec.codeDirectory);
      try {
        environment = await ExecutionEnvironment.start(spec, this.services);
      } catch (error) {
        gone();
        throw error;
      }
    } finally {
      this.starting--;
    }
    if (this.stopped) {
      // Started while the service stopped: nothing may outlive it.
      await environment.retire().finally(gone);
      throw new LambdaServiceError('ServiceException', 'The service is stopping.');
    }
    const entry: PooledEnvironment = {
      environment,
      key,
      functionName: spec.functionName,
      version: spec.version,
      codeDirectory: spec.codeDirectory,
      footprintMb,
      lastUsed: Date.now(),
      stopping: false,
    };
    this.pooled.add(entry);
    return this.acquired(entry);
  }

  /** Retires every environment of a function, or of one of its versions. */
  retire(functionName: string, version?: string): void {
    for (const entry of this.pooled) {
      if (entry.functionName !== functionName || (version !== undefined && entry.version !== version)) continue;
      // A busy environment finishes its invocation first; release() sees it is no longer pooled.
      this.remove(entry, !entry.environment.busy);
    }
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    for (const entry of this.pooled) this.remove(entry, true);
    await Promise.all(this.retiring.keys());
  }

  private acquired(entry: PooledEnvironment): Acquired {
    let released = false;
    return {
      environment: entry.environment,
      release: () => {
        if (released) return;
        released = true;
        if (!this.pooled.has(entry) || !entry.environment.alive) {
          this.remove(entry, true);
          return;
        }
        // Another invocation may have it already; its own release arms the timer.
        if (!entry.environment.idle) return;
        clearTimeout(entry.idleTimer);
        entry.idleTimer = setTimeout(() => this.remove(entry, true), this.options.idleTimeoutMs);
        entry.idleTimer.unref();
      },
    };
  }

  /**
   * Holds `footprintMb` of the tmpfs budget for a new environment, once environments stopping
   * (idle ones retired for it, least recently used first) have given back enough; 429 when even
   * retiring every idle one would not make room.
   */
  private async makeRoom(footprintMb: number): Promise<void> {
    const budget = this.services.limits.status.tmpBudgetMb;
    const reclaimable = (): number =>
      [...this.pooled].filter((entry) => !entry.environment.busy).reduce((sum, entry) => sum + entry.footprintMb, 0) +
      [...this.retiring.values()].reduce((sum, held) => sum + held, 0);
    while (this.heldMb + footprintMb > budget) {
      if (this.heldMb - reclaimable() + footprintMb > budget || (this.retiring.size === 0 && !this.evictIdle())) {
        throw new LambdaServiceError(
          'TooManyRequestsException',
          `Rate Exceeded: the environments running hold ${this.heldMb} MB of the service's ${budget} MB for /tmp, /dev/shm, /var/tmp and /run/lock (tmpBudgetMb), and a new one needs ${footprintMb} MB.`,
          { Reason: 'ConcurrentInvocationLimitExceeded' },
          { 'Retry-After': '1' },
        );
      }
      await Promise.race(this.retiring.keys());
    }
    this.heldMb += footprintMb;
  }

  /** Makes room for a new environment by retiring the least recently used idle one. */
  private evictIdle(): boolean {
    let oldest: PooledEnvironment | undefined;
    for (const entry of this.pooled) {
      if (!entry.environment.busy && (!oldest || entry.lastUsed < oldest.lastUsed)) oldest = entry;
    }
    if (!oldest) return false;
    this.remove(oldest, true);
    return true;
  }

  private remove(entry: PooledEnvironment, stop: boolean): void {
    clearTimeout(entry.idleTimer);
    this.pooled.delete(entry);
    if (!stop || entry.stopping) return;
    entry.stopping = true;
    const done = entry.environment.retire().finally(() => {
      this.retiring.delete(done);
      this.heldMb -= entry.footprintMb;
      this.packages?.release(entry.codeDirectory);
    });
    this.retiring.set(done, entry.footprintMb);
  }
}
