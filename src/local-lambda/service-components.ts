import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cgroups, type Controller } from './host/cgroups.js';
import { CpuPlacement } from './host/cpu-placement.js';
import { CpuThrottle } from './host/cpu-throttle.js';
import { LimitsPolicy, MIN_TMP_BUDGET_MB } from './host/environment-limits.js';
import { EnvironmentPool } from './execution/environment-pool.js';
import { EventQueue } from './execution/event-queue.js';
import { Freezer } from './host/freezer.js';
import { FaultInjector, seededRandom } from './faults.js';
import { FunctionStore } from './control-plane/functions.js';
import { Invoker, MAX_ASYNC_PAYLOAD_BYTES } from './execution/invoker.js';
import { Isolation } from './host/isolation.js';
import { LogsApi } from './logs/logs-api.js';
import { LogStore } from './logs/log-store.js';
import { PackageStore } from './control-plane/package-store.js';
import { ProfileStore } from './execution/profile-store.js';
import { Reaper } from './host/reaper.js';
import { RuntimeCallerCheck } from './execution/runtime-callers.js';
import { RuntimeClients } from './runtimes/index.js';
import { checkServiceOptions, type LocalLambdaOptions } from './service-options.js';
import type { AccessKey } from '../model/access-key.js';
import { generateAccessKey } from './http/sigv4.js';
import { chooseClock, CLOCKS, type ClockStatus } from './host/thread-times.js';

/** What the asynchronous invocations waiting may hold: their payloads, not the host's memory. */
const DEFAULT_EVENT_QUEUE_BYTES = 64 * 1024 * 1024;

/** The parts of one local service, built from its options; the routes and `info()` read them. */
export interface ServiceComponents {
  readonly region: string;
  readonly faults: FaultInjector;
  readonly codeRoot: string;
  readonly logs: LogStore;
  readonly clients: RuntimeClients;
  readonly cgroups: Cgroups;
  readonly clock: ClockStatus;
  readonly throttle: CpuThrottle;
  readonly placement: CpuPlacement;
  readonly freezer: Freezer;
  readonly limits: LimitsPolicy;
  readonly reaper: Reaper;
  readonly isolation: Isolation;
  readonly callers: RuntimeCallerCheck;
  readonly pool: EnvironmentPool;
  readonly store: FunctionStore;
  readonly invoker: Invoker;
  readonly logsApi: LogsApi;
  readonly accessKey: AccessKey | undefined;
  /** The runtime clients' CPU profiles, when the service profiles. */
  readonly profiles: ProfileStore | undefined;
}

/** Refuses an option of the right kind whose value is out of its range. */
function checkValues(options: LocalLambdaOptions): void {
  const spread = options.environmentSpread ?? 0;
  if (!(spread >= 0 && spread <= 1))
    throw new RangeError(
      `environmentSpread must be between 0 and 1 (an SD on the log scale, e.g. 0.04), got ${spread}`,
    );
  if (options.tmpBudgetMb !== undefined && !(options.tmpBudgetMb >= MIN_TMP_BUDGET_MB))
    throw new RangeError(
      `tmpBudgetMb must be at least ${MIN_TMP_BUDGET_MB} (one environment's smallest /tmp with its /dev/shm, /var/tmp and /run/lock), got ${options.tmpBudgetMb}`,
    );
  if (options.eventQueueBytes !== undefined && !(options.eventQueueBytes >= MAX_ASYNC_PAYLOAD_BYTES))
    throw new RangeError(
      `eventQueueBytes must be at least ${MAX_ASYNC_PAYLOAD_BYTES} (one event of the largest payload), got ${options.eventQueueBytes}`,
    );
  const requestedClock = options.clock ?? 'model';
  if (!CLOCKS.includes(requestedClock))
    throw new RangeError(`clock must be one of ${CLOCKS.join(', ')}, got ${JSON.stringify(requestedClock)}`);
}

/**
 * What the service asks of the host for its environments: cgroups, the CPU quota, the freezer,
 * the limits, users of their own, and the reaper that cleans up after a service killed outright.
 */
function hostParts(
  options: LocalLambdaOptions,
  clock: ClockStatus,
  seed: number,
  codeRoot: string,
  clients: RuntimeClients,
) {
  const throttled = options.cpuThrottle !== false && clock.kind === 'wall';
  const controllers: Controller[] = throttled ? ['cpu', 'freezer', 'pids'] : ['freezer', 'pids'];
  const cgroups = new Cgroups(controllers);
  const throttle = new CpuThrottle(cgroups, {
    disabled: options.cpuThrottle === false,
    modelClock: clock.kind === 'model',
    throttleInit: options.throttleInit === true,
    environmentSpread: options.environmentSpread ?? 0,
    seed,
  });
  const freezer = new Freezer(cgroups, { disabled: options.freeze === false });
  const limits = new LimitsPolicy(cgroups, {
    privateTmp: options.privateTmp !== false,
    ...(options.tmpBudgetMb === undefined ? {} : { tmpBudgetMb: options.tmpBudgetMb }),
  });
  const reaper = new Reaper();
  // A service killed outright leaves its id claims to the reaper.
  const isolation = new Isolation({
    disabled: options.isolation === false,
    onClaim: (path) => reaper.removeClaimOnExit(path),
  });
  isolation.openDirectory(codeRoot);
  isolation.shareReadOnly(clients.directory);
  reaper.removeOnExit(codeRoot);
  reaper.removeOnExit(clients.directory);
  reaper.removeOnExit(limits.directory);
  for (const directory of cgroups.directories) reaper.removeGroupOnExit(directory);
  return { cgroups, throttle, freezer, limits, reaper, isolation };
}

/** Checks the options and builds the service's parts; nothing listens yet. */
export function assembleService(options: LocalLambdaOptions): ServiceComponents {
  checkServiceOptions(options);
  checkValues(options);
  const clock = chooseClock(options.clock ?? 'model');
  const placement = new CpuPlacement(options.environmentCpus, clock.kind);
  const region = options.region ?? 'us-east-1';
  const faults = new FaultInjector(options.faults);
  const codeRoot = mkdtempSync(join(tmpdir(), 'lambda-perf-gate-code-'));
  const logs = new LogStore();
  const clients = new RuntimeClients({
    ...(options.nodeBinary === undefined ? {} : { nodejs: options.nodeBinary }),
    ...(options.pythonBinary === undefined ? {} : { python: options.pythonBinary }),
  });
  const { cgroups, throttle, freezer, limits, reaper, isolation } = hostParts(
    options,
    clock,
    faults.current.seed,
    codeRoot,
    clients,
  );
  const callers = new RuntimeCallerCheck();
  const profiles = options.profileIntervalUs === undefined ? undefined : new ProfileStore(options.profileIntervalUs);
  const packages = new PackageStore(codeRoot, (directory) => isolation.forgetPackage(directory));
  const pool = new EnvironmentPool(
    {
      clock: clock.kind,
      clients,
      cgroups,
      throttle,
      placement,
      freezer,
      limits,
      logs,
      reaper,
      isolation,
      callers,
      ...(profiles ? { profiles } : {}),
    },
    { idleTimeoutMs: options.idleTimeoutMs ?? 120_000, maxEnvironments: options.maxEnvironments ?? 64 },
    packages,
  );
  const store = new FunctionStore(region, packages, pool, () => faults.current.updateDelayMs);
  const events = new EventQueue({
    capacity: options.eventQueueCapacity ?? 100_000,
    capacityBytes: options.eventQueueBytes ?? DEFAULT_EVENT_QUEUE_BYTES,
    concurrency: options.maxEnvironments ?? 64,
    retryDelayMs: options.eventRetryDelayMs ?? 1000,
  });
  const invoker = new Invoker(store, pool, events, faults, region, seededRandom(faults.current.seed + 1));
  const logsApi = new LogsApi(logs, region, () => faults.current.logDelayMs);
  const accessKey = options.requireAuth === true ? generateAccessKey() : options.requireAuth || undefined;
  return {
    region,
    faults,
    codeRoot,
    logs,
    clients,
    cgroups,
    clock,
    throttle,
    placement,
    freezer,
    limits,
    reaper,
    isolation,
    callers,
    pool,
    store,
    invoker,
    logsApi,
    accessKey,
    profiles,
  };
}

/** Frees what the parts hold on the host (cgroups, directories, the reaper's watch). */
export function releaseComponents(parts: ServiceComponents): void {
  const { store, cgroups, limits, clients, codeRoot, reaper, isolation } = parts;
  store.dispose();
  cgroups.dispose();
  limits.dispose();
  clients.dispose();
  rmSync(codeRoot, { recursive: true, force: true });
  reaper.dispose();
  isolation.release();
}
