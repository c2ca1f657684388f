// The embedded local Lambda service: this file starts it; its rooms are http/ (the HTTP face),
// control-plane/, execution/, host/, logs/ and runtimes/, each described at the top of its main file.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultOptions } from './faults.js';
import type { LogStore } from './logs/log-store.js';
import type { PostedProfile } from './execution/profile-store.js';
import { isLoopbackAddress } from './http/request-guard.js';
import { controlPlaneRoutes } from './control-plane/routes.js';
import { codeToken } from './http/code-token.js';
import type { RouteEntry } from './http/messages.js';
import { invokeRoutes } from './execution/routes.js';
import { localRoutes } from './local-routes.js';
import { logsRoutes } from './logs/routes.js';
import { answerWith, requestHandler } from './http/router.js';
import { assembleService, releaseComponents } from './service-components.js';
import { describeService, type ServiceInfo } from './service-info.js';
import type { LocalLambdaOptions } from './service-options.js';
import type { AccessKey } from '../model/access-key.js';

export type { ServiceInfo } from './service-info.js';
export type { LocalLambdaOptions } from './service-options.js';

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
    ...logsRoutes(logsApi),
  ];
  const handle = requestHandler({ routes, faults, accessKey, region: parts.region, bound: () => bound });
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
