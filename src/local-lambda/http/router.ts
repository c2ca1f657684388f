// http/: the service's HTTP face: the router and its checks (loopback, Host, SigV4), message helpers, Lambda's errors.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../../errors.js';
import type { FaultInjector } from '../faults.js';
import { refuseForeignCaller, type HostCheck } from './request-guard.js';
import { LambdaServiceError } from './service-error.js';
import { LOCAL_SERVICE_HEADER } from '../service-info.js';
import type { AccessKey } from '../../model/access-key.js';
import { verifySignature } from './sigv4.js';
import { codeTokenValid } from './code-token.js';
import { header, MAX_CONTROL_BODY_BYTES, readBody, refuse, type Reply, type RouteEntry } from './messages.js';
import { isLogsRequest } from '../logs/routes.js';

const FUNCTIONS = '/2015-03-31/functions';

/** What the way in needs of the service, passed in rather than shared through a closure. */
export interface RouterState {
  /** Every area's routes, in the order they are tried. */
  readonly routes: readonly RouteEntry[];
  readonly faults: FaultInjector;
  readonly accessKey: AccessKey | undefined;
  /** The region signatures must be scoped to. */
  readonly region: string;
  /** Where the server listens (the Host header is checked against it), once it does. */
  readonly bound: () => HostCheck;
}

/** A request on its way in: what the checks learn of it, for the checks after them and the route. */
interface Inbound {
  readonly request: IncomingMessage;
  readonly method: string;
  readonly url: URL;
  /**
   * A code download through the URL GetFunction handed out (as S3's presigned one is): it needs no
   * signature. The service's facts (/local/info) name functions and environments: with a key, they
   * are asked for signed too.
   */
  readonly open: boolean;
  /** The body, once read (undefined when larger than the control plane takes). */
  body?: Buffer | undefined;
}

/** One check on the way in: it throws Lambda's error for a request it refuses. */
type Check = (inbound: Inbound, state: RouterState) => void | Promise<void>;

/** With a key, a request that is not open must carry a signature. */
const requireAuthorization: Check = ({ request, open }, { accessKey }) => {
  if (!accessKey || open || header(request, 'authorization')) return;
  request.resume();
  throw new LambdaServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token');
};

const readTheBody: Check = async (inbound) => {
  inbound.body = await readBody(inbound.request, MAX_CONTROL_BODY_BYTES);
};

/** With a key, the signature must be the key's, over this request and its body, for the service it names. */
const checkSignature: Check = ({ request, method, open, body }, { accessKey, region }) => {
  if (!accessKey || open) return;
  if (body === undefined)
    throw new LambdaServiceError(
      'RequestEntityTooLargeException',
      `Request must be smaller than ${MAX_CONTROL_BODY_BYTES} bytes`,
    );
  const failure = verifySignature(
    { method, target: request.url ?? '/', rawHeaders: request.rawHeaders, body },
    accessKey,
    { region, service: isLogsRequest(request) ? 'logs' : 'lambda' },
  );
  if (failure) throw new LambdaServiceError(failure.type, failure.message);
};

/** The faults the service was told to inject, on the Lambda API's function calls. */
const injectFaults: Check = ({ request, url }, { faults }) => {
  if (!url.pathname.startsWith(FUNCTIONS)) return;
  const fault = faults.requestFault();
  if (fault === 'throttle') {
    request.resume();
    throw new LambdaServiceError(
      'TooManyRequestsException',
      'Rate Exceeded.',
      { Reason: 'CallerRateLimitExceeded' },
      { 'Retry-After': String(faults.current.retryAfterMs / 1000) },
    );
  }
  if (fault === 'error') {
    request.resume();
    throw new LambdaServiceError('ServiceException', 'Lambda was unable to process the request (injected fault).');
  }
};

/** The checks every request passes, in order, after the foreign-caller guard. */
const CHECKS: readonly Check[] = [requireAuthorization, readTheBody, checkSignature, injectFaults];

/** The request as the checks see it, unless it comes from a foreign caller or names no valid path. */
function inbound(request: IncomingMessage, state: RouterState): Inbound {
  const method = request.method ?? 'GET';
  const foreign = refuseForeignCaller(
    { origin: header(request, 'origin'), host: header(request, 'host') },
    state.bound(),
  );
  if (foreign) {
    request.resume();
    refuse(foreign);
  }
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://local');
  } catch {
    request.resume();
    throw new LambdaServiceError(
      'ValidationException',
      `The request target ${JSON.stringify(request.url)} is not a valid path.`,
    );
  }
  const open = method === 'GET' && url.pathname.startsWith('/local/code/') && codeTokenValid(state.accessKey, url);
  return { request, method, url, open };
}

/**
 * Every request's way in: the foreign-caller guard, then the checks in order (a signature present,
 * the body, the signature right, injected faults), then the first route that matches; CloudWatch
 * Logs' operations are routes too.
 */
export function requestHandler(state: RouterState): (request: IncomingMessage) => Promise<Reply> {
  return async function handle(request: IncomingMessage): Promise<Reply> {
    const coming = inbound(request, state);
    for (const check of CHECKS) await check(coming, state);
    const { method, url, body } = coming;
    for (const [routeMethod, pattern, route] of state.routes) {
      const match = pattern.exec(url.pathname);
      if (match && routeMethod === method) return route(match, request, url, body);
    }
    request.resume();
    throw new LambdaServiceError('UnknownOperationException', `Unknown operation ${method} ${url.pathname}`);
  };
}

function send(response: ServerResponse, reply: Reply, requestId: string): void {
  response.writeHead(reply.status, {
    'x-amzn-RequestId': requestId,
    [LOCAL_SERVICE_HEADER]: '1',
    ...reply.headers,
    'content-length': reply.body.length,
  });
  response.end(reply.body);
}

/** The server's request listener: whatever a handler throws becomes an error reply; nothing a client sends reaches the process. */
export function answerWith(
  handle: (request: IncomingMessage) => Promise<Reply>,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const requestId = randomUUID();
    handle(request)
      .catch((error: unknown) => {
        const serviceError =
          error instanceof LambdaServiceError
            ? error
            : new LambdaServiceError('ServiceException', `Internal error: ${errorMessage(error)}`);
        return {
          status: serviceError.status,
          headers: {
            'content-type': 'application/json',
            'x-amzn-ErrorType': `${serviceError.type}:http://internal.amazon.com/coral/com.amazonaws.awsgatewaylambda/`,
            ...serviceError.headers,
          },
          body: Buffer.from(serviceError.body()),
        };
      })
      .then((reply) => send(response, reply, requestId))
      .catch(() => response.destroy());
  };
}
