import { ConfigError } from '../config/config-error.js';
import { ARCHITECTURES } from '../config/schema.js';
import type { GateConfig } from '../config/types.js';
import { InfrastructureError } from '../lambda/infrastructure-error.js';
import type { Backend } from './run-gate.js';

/** Asks an endpoint whether it is the local service (and so whether it scales CPU by memory). */
export async function probeBackend(endpoint: string | undefined): Promise<Backend> {
  const lambda: Backend = {
    kind: 'aws',
    cpuScaledByMemory: true,
    statement: 'Measured on AWS Lambda, where CPU scales with memory.',
  };
  if (!endpoint) return lambda;
  let response: Response;
  try {
    response = await fetch(`${endpoint}/local/info`, { signal: AbortSignal.timeout(5000) });
  } catch {
    throw new InfrastructureError('unreachable', `cannot reach the Lambda endpoint ${endpoint}; is it running?`);
  }
  if (!response.ok) return { ...lambda, statement: `Measured on the Lambda-compatible endpoint ${endpoint}.` };
  const info = (await response.json()) as {
    cpuThrottling?: { enabled?: boolean; statement?: string };
    isolation?: { enabled?: boolean; statement?: string };
    limitations?: unknown;
    hostArchitecture?: unknown;
  };
  // Where functions share the service's user, every report says so.
  const isolation = info.isolation && !info.isolation.enabled ? ` ${info.isolation.statement ?? ''}` : '';
  // The service runs every variant on its host's CPU, whatever Architectures the function asks for.
  // Only the service knows that host (it may run on another machine than the gate): no guess here.
  const hostArchitecture = ARCHITECTURES.find((architecture) => architecture === info.hostArchitecture);
  const limitations = Array.isArray(info.limitations)
    ? info.limitations.filter((l): l is string => typeof l === 'string')
    : [];
  return {
    kind: 'local',
    cpuScaledByMemory: info.cpuThrottling?.enabled === true,
    statement: `Local Lambda service: ${info.cpuThrottling?.statement ?? ''}${isolation}`.trim(),
    ...(hostArchitecture ? { hostArchitecture } : {}),
    limitations,
  };
}

/** What needs the backend known, still checked before any AWS call: on AWS a function needs a role. */
export function checkForBackend(config: GateConfig, backend: Backend, source: string): void {
  if (backend.kind !== 'aws') return;
  const problems = config.functions.flatMap((fn, i) =>
    !fn.template && !fn.role
      ? [`functions[${i}].role: required on AWS when no template is given (the IAM role ARN the perf function runs as)`]
      : [],
  );
  if (problems.length) throw new ConfigError(source, problems);
}
