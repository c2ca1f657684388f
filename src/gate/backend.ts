import { ConfigError } from '../config/config-error.js';
import { ARCHITECTURES } from '../model/architecture.js';
import type { GateConfig } from '../config/types.js';
import { InfrastructureError } from '../lambda/infrastructure-error.js';
import type { AccessKey } from '../model/access-key.js';
import { LOCAL_SERVICE_HEADER } from '../local-lambda/service-info.js';
import { signedGetHeaders } from '../lambda/signed-get.js';
import type { Backend, BackendClock } from './run-gate.js';

/** What the gate reads of the local service's GET /local/info; any other endpoint's answer may hold anything. */
export interface LocalInfo {
  readonly clock?: { kind?: unknown; statement?: unknown };
  readonly cpuThrottling?: { enabled?: boolean; statement?: string };
  readonly isolation?: { enabled?: boolean; statement?: string };
  readonly limitations?: unknown;
  readonly hostArchitecture?: unknown;
}

/** The local service's facts, or undefined when the endpoint answered something else (a 404, a page). */
async function localInfo(response: Response): Promise<LocalInfo | undefined> {
  if (!response.ok) return undefined;
  try {
    const info: unknown = await response.json();
    return info !== null && typeof info === 'object' ? (info as LocalInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** The runner's long-term key from the environment, as a service started elsewhere with --require-auth prints it. */
function ambientKey(): AccessKey | undefined {
  const {
    AWS_ACCESS_KEY_ID: accessKeyId,
    AWS_SECRET_ACCESS_KEY: secretAccessKey,
    AWS_SESSION_TOKEN: token,
  } = process.env;
  return accessKeyId && secretAccessKey && !token ? { accessKeyId, secretAccessKey } : undefined;
}

/**
 * Asks an endpoint whether it is the local service (and so whether it scales CPU by memory). Throws
 * only an `unreachable` infrastructure error, when the endpoint does not answer. A service started
 * with `requireAuth` answers only signed requests, /local/info too: the probe signs with `localKey`
 * (the key of a service this process started), else with the runner's long-term key, for
 * `region`. Any other refusal is an endpoint that says nothing of itself.
 */
export async function probeBackend(
  endpoint: string | undefined,
  region = 'us-east-1',
  localKey?: AccessKey,
): Promise<Backend> {
  const lambda: Backend = {
    kind: 'aws',
    cpuScaledByMemory: true,
    statement: 'Measured on AWS Lambda, where CPU scales with memory.',
  };
  if (!endpoint) return lambda;
  let response: Response;
  try {
    const url = new URL('/local/info', endpoint);
    const key = localKey ?? ambientKey();
    response = await fetch(url, {
      signal: AbortSignal.timeout(5000),
      ...(key ? { headers: signedGetHeaders(url, key, { region, service: 'lambda' }) } : {}),
    });
  } catch {
    throw new InfrastructureError('unreachable', `cannot reach the Lambda endpoint ${endpoint}; is it running?`);
  }
  const info = await localInfo(response);
  if (!info && response.headers.get(LOCAL_SERVICE_HEADER) === '1') {
    // A local service that refused the probe's credentials: local, with its facts unknown. The
    // first Lambda call says that the credentials were refused.
    return {
      kind: 'local',
      cpuScaledByMemory: false,
      statement: `Local Lambda service at ${endpoint}; it refused to state its facts (HTTP ${response.status}).`,
      limitations: [],
    };
  }
  if (!info)
    return { ...lambda, kind: 'endpoint', statement: `Measured on the Lambda-compatible endpoint ${endpoint}.` };
  return localBackend(info);
}

/** The local backend as the service's facts (GET /local/info, or `info()` in-process) describe it. */
export function localBackend(info: LocalInfo): Backend {
  // Where functions share the service's user, every report says so.
  const isolation = info.isolation && !info.isolation.enabled ? ` ${info.isolation.statement ?? ''}` : '';
  // The service runs every variant on its host's CPU, whatever Architectures the function asks for.
  // Only the service knows that host (it may run on another machine than the gate): no guess here.
  const hostArchitecture = ARCHITECTURES.find((architecture) => architecture === info.hostArchitecture);
  const limitations = Array.isArray(info.limitations)
    ? info.limitations.filter((l): l is string => typeof l === 'string')
    : [];
  const clock = localClock(info);
  return {
    kind: 'local',
    // The model clock scales CPU time with memory by itself; the wall clock only under a quota.
    cpuScaledByMemory: clock?.kind === 'model' || info.cpuThrottling?.enabled === true,
    statement: `Local Lambda service: ${info.cpuThrottling?.statement ?? ''}${isolation}`.trim(),
    ...(hostArchitecture ? { hostArchitecture } : {}),
    ...(clock ? { clock } : {}),
    limitations,
  };
}

/** Which clock the service's Durations come from, when it said so plainly (older services do not). */
function localClock(info: LocalInfo): BackendClock | undefined {
  const { kind, statement } = info.clock ?? {};
  if ((kind !== 'model' && kind !== 'wall') || typeof statement !== 'string') return undefined;
  return { kind, statement };
}

/**
 * What needs the backend known, still checked before any AWS call: on AWS (and on another
 * Lambda-compatible endpoint, which asks for a Role as Lambda does) a function needs a role.
 */
export function checkForBackend(config: GateConfig, backend: Backend, source: string): void {
  if (backend.kind === 'local') return;
  const where = backend.kind === 'aws' ? 'on AWS' : 'on a Lambda-compatible endpoint, as on AWS,';
  const problems = config.functions.flatMap((fn, i) =>
    !fn.template && !fn.role
      ? [
          `functions[${i}].role: required ${where} when no template is given (the IAM role ARN the perf function runs as)`,
        ]
      : [],
  );
  if (problems.length) throw new ConfigError(source, problems);
}
