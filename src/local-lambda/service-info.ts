import type { PlacementStatus } from './host/cpu-placement.js';
import type { ThrottleStatus } from './host/cpu-throttle.js';
import type { LimitsStatus } from './host/environment-limits.js';
import type { FaultOptions } from './faults.js';
import type { FreezeStatus } from './host/freezer.js';
import type { IsolationStatus } from './host/isolation.js';
import type { ServiceComponents } from './service-components.js';
import type { ClockStatus } from './host/thread-times.js';

/**
 * Said on every answer of the service's main port, refusals too: a gate without the key still
 * learns that the endpoint is the local service (and so needs no IAM role), though not its facts.
 */
export const LOCAL_SERVICE_HEADER = 'x-lambda-perf-gate-local';

export interface ServiceInfo {
  readonly endpoint: string;
  readonly region: string;
  /** The host's CPU architecture: every function runs on it, whatever its Architectures say. */
  readonly hostArchitecture: 'x86_64' | 'arm64';
  /** Where Durations come from: the model clock, or the host's wall clock. */
  readonly clock: ClockStatus;
  readonly cpuThrottling: ThrottleStatus;
  /** The CPUs every environment is bound to, or `all`. */
  readonly cpuPlacement: PlacementStatus;
  readonly freezing: FreezeStatus;
  readonly environmentLimits: LimitsStatus;
  /** Every way in which this host makes the service differ from Lambda, one sentence each. */
  readonly limitations: readonly string[];
  readonly environments: number;
  /** The live environments, with the lasting CPU speed factor each was given. */
  readonly liveEnvironments: readonly { functionName: string; version: string; speedFactor: number }[];
  readonly faults: FaultOptions;
  /** Whether requests must carry a SigV4 signature made with the service's key. */
  readonly requireAuth: boolean;
  /** Whether each environment runs as a user of its own, in one sentence for reports. */
  readonly isolation: IsolationStatus;
  /** Log bytes kept and events dropped to keep them bounded. */
  readonly logs: { readonly bytes: number; readonly dropped: number };
}

/** The service's facts, as `info()` and GET /local/info give them. */
export function describeService(parts: ServiceComponents, endpoint: string): ServiceInfo {
  const { region, clock, throttle, placement, freezer, limits, pool, faults, accessKey, isolation, callers, logs } =
    parts;
  return {
    endpoint,
    region,
    hostArchitecture: process.arch === 'arm64' ? 'arm64' : 'x86_64',
    clock,
    cpuThrottling: throttle.status,
    cpuPlacement: placement.status,
    freezing: freezer.status,
    environmentLimits: limits.status,
    limitations: [
      ...(clock.fallbackReason ? [clock.statement] : []),
      ...(throttle.status.enabled || clock.kind === 'model' ? [] : [throttle.status.statement]),
      ...(freezer.status.mechanism === 'none' ? [freezer.status.statement] : []),
      ...(placement.status.limitation ? [placement.status.statement] : []),
      ...limits.status.limitations,
      ...(callers.status.enabled ? [] : [callers.status.statement]),
    ],
    environments: pool.size,
    liveEnvironments: pool.describe(),
    faults: faults.current,
    requireAuth: accessKey !== undefined,
    isolation: isolation.status,
    logs: logs.usage,
  };
}
