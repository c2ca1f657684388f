import { errorMessage } from '../errors.js';
import type { FaultInjector, FaultOptions } from './faults.js';
import type { FunctionStore } from './control-plane/functions.js';
import { LambdaServiceError } from './http/service-error.js';
import type { ServiceInfo } from './service-info.js';
import { functionName } from './control-plane/routes.js';
import { decodeSegment, json, readJson, type RouteEntry } from './http/messages.js';

/**
 * The local service's own routes, which Lambda has not: code downloads (the URL GetFunction
 * hands out), the service's facts, and the faults it injects.
 */
export function localRoutes(store: FunctionStore, faults: FaultInjector, info: () => ServiceInfo): RouteEntry[] {
  return [
    [
      'GET',
      /^\/local\/code\/([^/]+)\/([^/]+)$/,
      async (m) => ({
        status: 200,
        headers: { 'content-type': 'application/zip' },
        body: await store.codeOf(functionName(m), decodeSegment(m[2] ?? '')),
      }),
    ],
    ['GET', /^\/local\/info$/, async () => json(200, { ...info() })],
    [
      'PUT',
      /^\/local\/faults$/,
      async (_m, request, _u, body) => {
        try {
          faults.update(readJson(request, body) as Partial<FaultOptions>);
        } catch (error) {
          if (error instanceof LambdaServiceError) throw error;
          throw new LambdaServiceError('InvalidParameterValueException', errorMessage(error));
        }
        return json(200, { ...faults.current });
      },
    ],
  ];
}
