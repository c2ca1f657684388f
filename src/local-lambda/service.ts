import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cgroups, type Controller } from './cgroups.js';
import { CpuThrottle, type ThrottleStatus } from './cpu-throttle.js';
import { LimitsPolicy, type LimitsStatus } from './environment-limits.js';
import { EnvironmentPool } from './environment-pool.js';
import { EventQueue } from './event-queue.js';
import { Freezer, type FreezeStatus } from './freezer.js';
import { FaultInjector, seededRandom, type FaultOptions } from './faults.js';
import { FunctionStore } from './functions.js';
import { Invoker } from './invoke.js';
import { LogsApi } from './logs-api.js';
import { LogStore } from './logs.js';
import { registerLocalAccessKey } from '../lambda/local-credentials.js';
import { isLoopbackAddress } from './request-guard.js';
import { Isolation, type IsolationStatus } from './isolation.js';
import { Reaper } from './reaper.js';
import { controlPlaneRoutes } from './routes/control-plane.js';
import { codeToken } from './routes/code-token.js';
import type { RouteEntry } from './routes/http.js';
import { invokeRoutes } from './routes/invoke.js';
import { localRoutes } from './routes/local.js';
import { answerWith, requestHandler } from './routes/router.js';
import { RuntimeClients } from './runtimes/index.js';
import { checkServiceOptions } from './service-options.js';
import { generateAccessKey, type AccessKey } from './sigv4.js';

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
   * Delay before the first retry of a failed asynchronous invocation, the second waiting twice
   * as long; default 1 s (Lambda waits about a minute, then two).
   */
  readonly eventRetryDelayMs?: number;
  /** false turns CPU throttling by memory off even where the host allows it. */
  readonly cpuThrottle?: boolean;
  /** true throttles INIT by memory too (the old behaviour); Lambda boosts on-demand INIT. */
  readonly throttleInit?: boolean;
  /** false leaves environments running between invocations instead of freezing them. */
  readonly freeze?: boolean;
  /** false gives environments a TMPDIR of their own instead of a private /tmp. */
  readonly privateTmp?: boolean;
  /**
   * SD (log scale) of a lasting CPU speed factor exp(N(0, SD)) each new execution environment
   * gets, drawn from the fault seed; default 0. Needs CPU throttling.
   */
  readonly environmentSpread?: number;
  readonly faults?: Partial<FaultOptions>;
  readonly nodeBinary?: string;
  readonly pythonBinary?: string;
  /**
   * Verify AWS SigV4 signatures: the service makes an access key at start (or takes this one)
   * and answers only requests signed with it. Clients this process builds for the endpoint
   * use it by themselves (src/lambda/client.ts).
   */
  readonly requireAuth?: boolean | AccessKey;
  /** false runs functions as the service's user even where it could give each its own. */
  readonly isolation?: boolean;
  /** Where warnings go (a non-loopback bind); stderr by default. */
  readonly warn?: (message: string) => void;
}

export interface ServiceInfo {
  readonly endpoint: string;
  readonly region: string;
  readonly cpuThrottling: ThrottleStatus;
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

export interface LocalLambda {
  readonly endpoint: string;
  readonly logs: LogStore;
  /** The key requests must be signed with, when `requireAuth` is on. */
  readonly accessKey?: AccessKey;
  info(): ServiceInfo;
  setFaults(faults: Partial<FaultOptions>): void;
  /** Stops the server and every environment it started; safe to call twice. */
  stop(): Promise<void>;
}


/**
 * Starts the local Lambda service: Lambda's REST API (control plane and Invoke) on loopback, so
 * the AWS SDK, the AWS CLI and the gate work against it through an endpoint override.
 */
export async function startLocalLambda(options: LocalLambdaOptions = {}): Promise<LocalLambda> {
  checkServiceOptions(options);
  const spread = options.environmentSpread ?? 0;
  if (!(spread >= 0 && spread <= 1)) throw new RangeError(`environmentSpread must be between 0 and 1 (an SD on the log scale, e.g. 0.04), got ${spread}`);
  const region = options.region ?? 'us-east-1';
  const faults = new FaultInjector(options.faults);
  const codeRoot = mkdtempSync(join(tmpdir(), 'lambda-perf-gate-code-'));
  const logs = new LogStore();
  const clients = new RuntimeClients({
    ...(options.nodeBinary === undefined ? {} : { nodejs: options.nodeBinary }),
    ...(options.pythonBinary === undefined ? {} : { python: options.pythonBinary }),
  });
  const controllers: Controller[] = options.cpuThrottle === false ? ['freezer', 'pids'] : ['cpu', 'freezer', 'pids'];
  const cgroups = new Cgroups(controllers);
  const throttle = new CpuThrottle(cgroups, {
    disabled: options.cpuThrottle === false,
    throttleInit: options.throttleInit === true,
    environmentSpread: spread,
    seed: faults.current.seed,
  });
  const freezer = new Freezer(cgroups, { disabled: options.freeze === false });
  const limits = new LimitsPolicy(cgroups, { privateTmp: options.privateTmp !== false });
  const reaper = new Reaper();
  const isolation = new Isolation({ disabled: options.isolation === false });
  isolation.openDirectory(codeRoot);
  isolation.shareReadOnly(clients.directory);
  reaper.removeOnExit(codeRoot);
  reaper.removeOnExit(clients.directory);
  reaper.removeOnExit(limits.directory);
  const pool = new EnvironmentPool(
    { clients, cgroups, throttle, freezer, limits, logs, reaper, isolation },
    { idleTimeoutMs: options.idleTimeoutMs ?? 120_000, maxEnvironments: options.maxEnvironments ?? 64 },
  );
  const store = new FunctionStore(region, codeRoot, pool, () => faults.current.updateDelayMs);
  const events = new EventQueue({
    capacity: options.eventQueueCapacity ?? 100_000,
    concurrency: options.maxEnvironments ?? 64,
    retryDelayMs: options.eventRetryDelayMs ?? 1000,
  });
  const invoker = new Invoker(store, pool, events, faults, region, seededRandom(faults.current.seed + 1));
  const logsApi = new LogsApi(logs, region, () => faults.current.logDelayMs);
  const accessKey = options.requireAuth === true ? generateAccessKey() : options.requireAuth || undefined;
  let endpoint = '';
  let bound = { boundAddress: '127.0.0.1', port: 0 };

  const routes: RouteEntry[] = [
    ...controlPlaneRoutes(store, (path) => `${endpoint}${path}${codeToken(accessKey, path)}`),
    ...invokeRoutes(invoker),
    ...localRoutes(store, faults, () => info()),
  ];

  const info = (): ServiceInfo => ({
    endpoint,
    region,
    cpuThrottling: throttle.status,
    freezing: freezer.status,
    environmentLimits: limits.status,
    limitations: [
      ...(throttle.status.enabled ? [] : [throttle.status.statement]),
      ...(freezer.status.mechanism === 'none' ? [freezer.status.statement] : []),
      ...limits.status.limitations,
    ],
    environments: pool.size,
    liveEnvironments: pool.describe(),
    faults: faults.current,
    requireAuth: accessKey !== undefined,
    isolation: isolation.status,
    logs: logs.usage,
  });

  const handle = requestHandler({ routes, faults, logsApi, accessKey, bound: () => bound });
  const server = createServer(answerWith(handle));
  const release = (): void => {
    store.dispose();
    cgroups.dispose();
    limits.dispose();
    clients.dispose();
    rmSync(codeRoot, { recursive: true, force: true });
    reaper.dispose();
  };
  const bindHost = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, bindHost, resolve);
    });
  } catch (error) {
    release();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  endpoint = `http://${host}:${address.port}`;
  bound = { boundAddress: address.address, port: address.port };
  if (!isLoopbackAddress(address.address)) {
    (options.warn ?? ((message: string) => process.stderr.write(`${message}\n`)))(
      `WARNING: the local Lambda service is listening on ${endpoint}, beyond this machine's loopback. ` +
        `Anyone who can reach it can run code as ${process.getuid?.() === 0 ? 'root' : 'this user'}` +
        `${accessKey ? '' : ' (and --require-auth is off)'}. Bind 127.0.0.1 unless you mean it.`,
    );
  }
  const forgetKey = accessKey ? registerLocalAccessKey(endpoint, accessKey) : () => undefined;

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    logs,
    ...(accessKey ? { accessKey } : {}),
    info,
    setFaults: (update) => faults.update(update),
    stop: () =>
      (stopping ??= (async () => {
        forgetKey();
        server.close();
        server.closeAllConnections();
        store.dispose();
        const drained = invoker.drain();
        await pool.stopAll();
        await drained;
        release();
      })()),
  };
}
