import { ExecutionEnvironment, type EnvironmentServices, type EnvironmentSpec } from './environment.js';
import { LambdaServiceError } from './service-error.js';

interface PooledEnvironment {
  readonly environment: ExecutionEnvironment;
  readonly key: string;
  readonly functionName: string;
  readonly version: string;
  idleTimer?: NodeJS.Timeout;
  lastUsed: number;
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
 * when none is idle a new one starts, up to the account's concurrency, as Lambda scales.
 */
export class EnvironmentPool {
  private readonly pooled = new Set<PooledEnvironment>();
  private readonly retiring = new Set<Promise<void>>();
  private starting = 0;
  private stopped = false;

  constructor(
    private readonly services: EnvironmentServices,
    private readonly options: PoolOptions,
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
      if (entry.key === key && !entry.environment.busy && entry.environment.alive) {
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
    this.starting++;
    let environment: ExecutionEnvironment;
    try {
      environment = await ExecutionEnvironment.start(spec, this.services);
    } finally {
      this.starting--;
    }
    if (this.stopped) {
      // Started while the service stopped: nothing may outlive it.
      await environment.retire();
      throw new LambdaServiceError('ServiceException', 'The service is stopping.');
    }
    const entry: PooledEnvironment = {
      environment,
      key,
      functionName: spec.functionName,
      version: spec.version,
      lastUsed: Date.now(),
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
    await Promise.all(this.retiring);
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
        entry.idleTimer = setTimeout(() => this.remove(entry, true), this.options.idleTimeoutMs);
        entry.idleTimer.unref();
      },
    };
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
    if (!stop) return;
    const done = entry.environment.retire().finally(() => this.retiring.delete(done));
    this.retiring.add(done);
  }
}
