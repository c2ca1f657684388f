import type { IncomingMessage } from 'node:http';
import { MAX_SYNC_PAYLOAD_BYTES, type Invoker } from './invoker.js';
import { refuseContentType } from '../http/request-guard.js';
import { LambdaServiceError } from '../http/service-error.js';
import { functionReference } from '../control-plane/routes.js';
import { header, refuse, type Route, type RouteEntry } from '../http/messages.js';

/** ClientContext: base64 of a JSON object, at most 3,583 bytes, as Lambda takes it. */
function clientContext(request: IncomingMessage): string | undefined {
  const raw = header(request, 'x-amz-client-context');
  if (!raw) return undefined;
  const text = /^[A-Za-z0-9+/]*={0,2}$/.test(raw) ? Buffer.from(raw, 'base64').toString('utf8') : undefined;
  let parsed: unknown;
  try {
    parsed = text === undefined ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (raw.length > 3583 || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LambdaServiceError(
      'InvalidRequestContentException',
      'Client context must be a valid Base64-encoded JSON object of at most 3583 bytes.',
    );
  }
  return text;
}

/** Invoke, or InvokeWithResponseStream: the same request, answered whole or as an event stream. */
const invokeRoute =
  (invoker: Invoker, streaming: boolean): Route =>
  async (m, request, url, body) => {
    refuse(refuseContentType(header(request, 'content-type'), 'payload'));
    const context = clientContext(request);
    return invoker.invoke({
      ref: functionReference(m, url),
      invocationType: header(request, 'x-amz-invocation-type') ?? 'RequestResponse',
      logType: header(request, 'x-amz-log-type') ?? 'None',
      payload: body !== undefined && body.length <= MAX_SYNC_PAYLOAD_BYTES ? body : undefined,
      ...(streaming ? { streaming: true } : {}),
      ...(context ? { clientContext: context } : {}),
    });
  };

export function invokeRoutes(invoker: Invoker): RouteEntry[] {
  return [
    ['POST', /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/, invokeRoute(invoker, false)],
    ['POST', /^\/2021-11-15\/functions\/([^/]+)\/response-streaming-invocations\/?$/, invokeRoute(invoker, true)],
  ];
}
