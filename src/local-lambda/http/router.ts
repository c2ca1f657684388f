// http/: the service's HTTP face: the router and its checks (loopback, Host, SigV4), message helpers, Lambda's errors.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { errorMessage } from '../../errors.js';
import type { FaultInjector } from '../faults.js';
import type { LogsApi } from '../logs/logs-api.js';
import { refuseForeignCaller, type HostCheck } from './request-guard.js';
import { LambdaServiceError } from './service-error.js';
import { LOCAL_SERVICE_HEADER } from '../service-info.js';
import { verifySignature, type AccessKey } from './sigv4.js';
import { codeTokenValid } from './code-token.js';
import { header, MAX_CONTROL_BODY_BYTES, readBody, refuse, type Reply, type RouteEntry } from './messages.js';
import { handleLogs, LOGS_TARGET_PREFIX } from '../logs/routes.js';

const FUNCTIONS = '/2015-03-31/functions';

/** What the way in needs of the service, passed in rather than shared through a closure. */
export interface RouterState {
  /** Every area's routes, in the order they are tried. */
  readonly routes: readonly RouteEntry[];
  readonly faults: FaultInjector;
  readonly logsApi: LogsApi;
  readonly accessKey: AccessKey | undefined;
  /** The region signatures must be scoped to. */
  readonly region: string;
  /** Where the server listens (the Host header is checked against it), once it does. */
  readonly bound: () => HostCheck;
}

/**
 * Every request's way in: the foreign-caller guard, the signature, the body, injected faults,
 * then the CloudWatch Logs operation or the first route that matches.
 */
export function requestHandler(state: RouterState): (request: IncomingMessage) => Promise<Reply> {
  const { routes, faults, logsApi, accessKey } = state;
  return async function handle(request: IncomingMessage): Promise<Reply> {
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
    // Code downloads through the URL GetFunction handed out (as S3's presigned one is). The service's
    // facts (/local/info) name functions and environments: with a key, they are asked for signed too.
    const open = method === 'GET' && url.pathname.startsWith('/local/code/') && codeTokenValid(accessKey, url);
    if (accessKey && !open && !header(request, 'authorization')) {
      request.resume();
      throw new LambdaServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    const body = await readBody(request, MAX_CONTROL_BODY_BYTES);
    const target = header(request, 'x-amz-target');
    const logs = method === 'POST' && target?.startsWith(LOGS_TARGET_PREFIX) === true;
    if (accessKey && !open) {
      if (body === undefined)
        throw new LambdaServiceError(
          'RequestEntityTooLargeException',
          `Request must be smaller than ${MAX_CONTROL_BODY_BYTES} bytes`,
        );
      const failure = verifySignature(
        { method, target: request.url ?? '/', rawHeaders: request.rawHeaders, body },
        accessKey,
        { region: state.region, service: logs ? 'logs' : 'lambda' },
      );
      if (failure) throw new LambdaServiceError(failure.type, failure.message);
    }
    if (logs) return handleLogs(logsApi, request, target!, body);
    if (url.pathname.startsWith(FUNCTIONS)) {
      const fault = faults.requestFault();
      if (fault === 'throttle') {
        request.resume();
        const retryAfter = String(faults.current.retryAfterMs / 1000);
        throw new LambdaServiceError(
          'TooManyRequestsException',
          'Rate Exceeded.',
          { Reason: 'CallerRateLimitExceeded' },
          { 'Retry-After': retryAfter },
        );
      }
      if (fault === 'error') {
        request.resume();
        throw new LambdaServiceError('ServiceException', 'Lambda was unable to process the request (injected fault).');
      }
    }
    for (const [routeMethod, pattern, route] of routes) {
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
