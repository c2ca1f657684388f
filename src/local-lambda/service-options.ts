import type { FaultOptions } from './faults.js';
import type { AccessKey } from '../model/access-key.js';

export interface LocalLambdaOptions {
  /** Loopback unless told otherwise. */
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly region?: string;
  /** How long an idle environment stays warm; default 120 s. */
  readonly idleTimeoutMs?: number;
  /** Environments alive at once (the account's concurrency); default 64. */
  readonly maxEnvironments?: number;
  /** Asynchronous invocations waiting at most before Invoke answers 429; default 100,000. */
  readonly eventQueueCapacity?: number;
  /**
   * Payload bytes the asynchronous invocations waiting may hold in all before Invoke answers 429;
   * default 64 MiB (256 events of the largest payload Lambda takes).
   */
  readonly eventQueueBytes?: number;
  /**
   * Delay before the first retry of a failed asynchronous invocation, the second waiting twice
   * as long; default 1 s (Lambda waits about a minute, then two).
   */
  readonly eventRetryDelayMs?: number;
  /**
   * Where Durations come from: `model` (the default), what Lambda would take for the CPU time the
   * kernel accounts to each environment plus its own waits; `wall`, the host's clock under a CPU
   * quota. A host that cannot account per thread falls back to `wall` and says so.
   */
  readonly clock?: 'model' | 'wall';
  /** false turns CPU throttling by memory off even where the host allows it (wall clock). */
  readonly cpuThrottle?: boolean;
  /** true throttles INIT by memory too (the old behaviour); Lambda boosts on-demand INIT. */
  readonly throttleInit?: boolean;
  /** false leaves environments running between invocations instead of freezing them. */
  readonly freeze?: boolean;
  /** false gives environments a TMPDIR of their own instead of a private /tmp. */
  readonly privateTmp?: boolean;
  /**
   * MB of the host's memory the tmpfs of all live environments may take together (each one's /tmp
   * at its EphemeralStorage size, /dev/shm, /var/tmp and /run/lock). A new environment that would pass it
   * retires idle ones first, else its Invoke answers 429 (an Event waits in the queue); a /tmp
   * larger than the budget is cut to it. Default half the host's memory, at most 8,192 MB;
   * at least 641 (one environment of 512 MB with its other places).
   */
  readonly tmpBudgetMb?: number;
  /**
   * SD (log scale) of a lasting CPU speed factor exp(N(0, SD)) each new execution environment
   * gets, drawn from the fault seed; default 0. Needs the model clock or CPU throttling.
   */
  readonly environmentSpread?: number;
  /**
   * The CPUs every environment is bound to (a list such as `1` or `2-3`), or `all`. Default under
   * the model clock: the last CPU this process may use, the same for every environment, so that
   * builds compared on a busy host meet the same neighbours; under the wall clock, `all`.
   */
  readonly environmentCpus?: string;
  readonly faults?: Partial<FaultOptions>;
  readonly nodeBinary?: string;
  readonly pythonBinary?: string;
  /**
   * Verify AWS SigV4 signatures: the service makes an access key at start (or takes this one)
   * and answers only requests signed with it (`LocalLambda.accessKey`). Whoever starts the
   * service hands the key to the clients it builds (`ClientOptions.localKey`); none find it alone.
   */
  readonly requireAuth?: boolean | AccessKey;
  /** false runs functions as the service's user even where it could give each its own. */
  readonly isolation?: boolean;
  /**
   * Profile every invocation: the bundled runtime clients sample their main thread's stack every
   * this many microseconds while the handler runs, and post the profile; `profiles()` hands them
   * out. Off by default: it costs the function CPU time. For profiling runs, never for measuring.
   */
  readonly profileIntervalUs?: number;
  /** Where warnings go (a non-loopback bind); stderr by default. */
  readonly warn?: (message: string) => void;
}

/**
 * The options `startLocalLambda` takes, by kind: anything else, or a value of the wrong kind, is
 * refused at start with what is valid, so a typo never silently runs a less faithful service.
 */
type Kind = 'string' | 'number' | 'boolean' | 'object' | 'function';
const KINDS: Record<string, Kind | readonly Kind[]> = {
  host: 'string',
  port: 'number',
  region: 'string',
  idleTimeoutMs: 'number',
  maxEnvironments: 'number',
  eventQueueCapacity: 'number',
  eventQueueBytes: 'number',
  eventRetryDelayMs: 'number',
  clock: 'string',
  cpuThrottle: 'boolean',
  throttleInit: 'boolean',
  freeze: 'boolean',
  privateTmp: 'boolean',
  tmpBudgetMb: 'number',
  environmentSpread: 'number',
  environmentCpus: 'string',
  faults: 'object',
  nodeBinary: 'string',
  pythonBinary: 'string',
  requireAuth: ['boolean', 'object'],
  isolation: 'boolean',
  profileIntervalUs: 'number',
  warn: 'function',
};

export function checkServiceOptions(options: object): void {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const allowed = KINDS[key];
    const kinds: readonly Kind[] = allowed === undefined ? [] : typeof allowed === 'string' ? [allowed] : allowed;
    if (!kinds.length) problems.push(`unknown option ${JSON.stringify(key)}`);
    else if (
      !kinds.includes(typeof value as Kind) ||
      value === null ||
      (typeof value === 'number' && !Number.isFinite(value))
    ) {
      problems.push(
        `${key} must be a ${kinds.map((kind) => (kind === 'number' ? 'finite number' : kind)).join(' or ')}, got ${JSON.stringify(value)}`,
      );
    }
  }
  if (problems.length) {
    throw new TypeError(
      `Local Lambda service options: ${problems.join('; ')}. Valid options: ${Object.entries(KINDS)
        .map(([key, kind]) => `${key} (${typeof kind === 'string' ? kind : kind.join(' or ')})`)
        .join(', ')}.`,
    );
  }
}
