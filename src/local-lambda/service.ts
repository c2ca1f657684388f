import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultOptions } from './faults.js';
import type { LogStore } from './logs.js';
import type { PostedProfile } from './profile-store.js';
import { isLoopbackAddress } from './request-guard.js';
import { controlPlaneRoutes } from './routes/control-plane.js';
import { codeToken } from './routes/code-token.js';
import type { RouteEntry } from './routes/http.js';
import { invokeRoutes } from './routes/invoke.js';
import { localRoutes } from './routes/local.js';
import { answerWith, requestHandler } from './routes/router.js';
import { assembleService, releaseComponents } from './service-components.js';
import { describeService, type ServiceInfo } from './service-info.js';
import type { AccessKey } from './sigv4.js';

export type { ServiceInfo } from './service-info.js';

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
   * and answers only requests signed with it. Clients this process builds for the endpoint
   * use it by themselves (src/lambda/client.ts).
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

export interface LocalLambda {
  readonly endpoint: string;
  readonly logs: LogStore;
  /** The key requests must be signed with, when `requireAuth` is on. */
  readonly accessKey?: AccessKey;
  info(): ServiceInfo;
  setFaults(faults: Partial<FaultOptions>): void;
  /**
   * The CPU profiles a version's invocations posted, in order, when the service profiles (else
   * none); each is handed out once. A body is what the runtime posted: untrusted.
   */
  takeProfiles(functionName: string, version: string): PostedProfile[];
  /** Stops the server and every environment it started; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the local Lambda service: Lambda's REST API (control plane and Invoke) on loopback, so
 * the AWS SDK, the AWS CLI and the gate work against it through an endpoint override.
 */
export async function startLocalLambda(options: LocalLambdaOptions = {}): Promise<LocalLambda> {
  const parts = assembleService(options);
  const { faults, logs, pool, store, invoker, logsApi, accessKey } = parts;
  let endpoint = '';
  let bound = { boundAddress: '127.0.0.1', port: 0 };

  const info = (): ServiceInfo => describeService(parts, endpoint);
  const routes: RouteEntry[] = [
    ...controlPlaneRoutes(store, (path) => `${endpoint}${path}${codeToken(accessKey, path)}`),
    ...invokeRoutes(invoker),
    ...localRoutes(store, faults, info),
  ];
  const handle = requestHandler({ routes, faults, logsApi, accessKey, region: parts.region, bound: () => bound });
  const server = createServer(answerWith(handle));
  const release = (): void => releaseComponents(parts);
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
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    logs,
    ...(accessKey ? { accessKey } : {}),
    info,
    setFaults: (update) => faults.update(update),
    takeProfiles: (functionName, version) => parts.profiles?.take(functionName, version) ?? [],
    stop: () =>
      (stopping ??= (async () => {
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
