import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { MAX_PROFILE_BYTES } from './profile-store.js';
import { refuseForeignCaller, type Refusal } from '../http/request-guard.js';
import { header, readLimited } from '../http/messages.js';
import type { RuntimeCallerCheck, RuntimeProcess } from './runtime-callers.js';

/** Lambda's limit for a synchronous response payload. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
/** A streamed response may be larger. */
const MAX_STREAMED_RESPONSE_BYTES = 20 * 1024 * 1024;

export interface RuntimeEvent {
  readonly requestId: string;
  readonly payload: Buffer;
  readonly deadlineMs: number;
  readonly invokedFunctionArn: string;
  readonly clientContext?: string;
}

export interface RuntimeApiListener {
  /**
   * The runtime asked for the next event at `at` (performance.now): it is done with INIT or with
   * the previous invocation, work left behind after its response included. `waited` is what
   * the runtime client says its main thread waited for its own reasons since it last asked (see
   * WAITED_HEADER). No event is handed over until the promise this returns settles.
   */
  nextRequested(at: number, waited: OwnWaits | undefined): Promise<void> | void;
  /** An event is about to be written to the runtime, which is waiting for it. */
  delivering(event: RuntimeEvent): void;
  /** An event was handed to the runtime; `handedAt` is the moment just before it was written. */
  delivered(event: RuntimeEvent, handedAt: number): void;
  /** The runtime waits for an event and none is queued. */
  idle(): void;
  response(requestId: string, body: Buffer): void;
  /** The response was larger than Lambda allows; the runtime was told so with a 413. */
  responseTooLarge(requestId: string): void;
  error(requestId: string, body: Buffer, errorType: string | undefined): void;
  initError(body: Buffer, errorType: string | undefined): void;
  /**
   * Where the CPU profile of an invocation goes (PROFILE_PATH), when the service profiles;
   * without it the path is unknown.
   */
  readonly profile?: (requestId: string, body: Buffer) => void;
}

const PREFIX = '/2018-06-01/runtime';
/**
 * Not Lambda's: where a bundled runtime client posts the CPU profile of the invocation in flight
 * when the service profiles (profile-store.ts), before it answers.
 */
const PROFILE_PATH = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/local-profile$/;
/** Each Runtime API listens here, on a port of its own. */
const LOOPBACK = '127.0.0.1';

/**
 * The header in which the bundled runtime clients say, when they ask for the next event, how long
 * their main thread waited for its own reasons (timers, I/O) since they last asked, in
 * nanoseconds: wall time less the thread's CPU and run-queue time, both from the kernel, outside
 * their own waits for this service. The model clock uses it; the service's own view of that wait
 * would hold its own delays in noticing the request. Runtimes that do not send it (OS-only ones)
 * get the service's view.
 */
const WAITED_HEADER = 'lambda-runtime-local-waited-ns';
/**
 * Beside it, how many times the main thread went to sleep in those waits: the waits split its CPU
 * work into bursts, and each burst after a wait may start in a new CPU period (model-clock.ts).
 */
const SLEEPS_HEADER = 'lambda-runtime-local-sleeps';

/** What a runtime client says its main thread waited for its own reasons. */
export interface OwnWaits {
  readonly ns: number;
  /** Times it went to sleep; 0 when the client did not say. */
  readonly sleeps: number;
}

/** The runtime's own waits, when it said them plainly; anything else is ignored. */
function waitedOf(request: IncomingMessage): OwnWaits | undefined {
  const plain = (name: string): number | undefined => {
    const value = header(request, name);
    return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
  };
  const ns = plain(WAITED_HEADER);
  return ns === undefined ? undefined : { ns, sleeps: plain(SLEEPS_HEADER) ?? 0 };
}

/**
 * One execution environment's Runtime API on its own loopback port: the runtime long-polls
 * `invocation/next`, and posts the response or error for the request id it was handed. It answers
 * only that runtime (runtime-callers.ts), and refuses browser origins and foreign Host names as
 * the service's main port does.
 */
export class RuntimeApi {
  private readonly server: Server;
  private port = 0;
  /** The runtime this API answers, once it is started; until then, nobody. */
  private runtime: RuntimeProcess | undefined;
  /** Connections whose peer is not the runtime: every request on them is refused. */
  private readonly strangers = new WeakSet<Socket>();
  private heldNext: ServerResponse | undefined;
  private queued: RuntimeEvent | undefined;
  /** Between a request for the next event and the listener's reading of the invocation's end. */
  private settling = false;
  private currentRequestId: string | undefined;
  /** The invocation whose profile came (or is coming) in: each posts one at most. */
  private profiledRequestId: string | undefined;

  private constructor(
    callers: RuntimeCallerCheck,
    private readonly listener: RuntimeApiListener,
  ) {
    this.server = createServer((request, response) => {
      try {
        this.route(request, response);
      } catch {
        // A runtime that sends nonsense loses its connection, never the service.
        response.destroy();
      }
    });
    this.server.keepAliveTimeout = 0;
    // Once per connection, before its first request is read: the bundled clients keep theirs
    // open, so invocations do not pay for the look into /proc.
    this.server.on('connection', (socket: Socket) => {
      let admitted = false;
      try {
        admitted = callers.admits(socket, this.runtime);
      } catch {
        // Whatever the tables held, a peer that cannot be told apart is not the runtime.
      }
      if (!admitted) this.strangers.add(socket);
    });
  }

  static async start(
    callers: RuntimeCallerCheck,
    listener: RuntimeApiListener,
  ): Promise<{ api: RuntimeApi; address: string }> {
    const api = new RuntimeApi(callers, listener);
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject);
      api.server.listen(0, LOOPBACK, resolve);
    });
    api.port = (api.server.address() as AddressInfo).port;
    return { api, address: `${LOOPBACK}:${api.port}` };
  }

  /** The runtime's first process has started: from now on it, and its descendants, are answered. */
  answerOnly(runtime: RuntimeProcess): void {
    this.runtime = runtime;
  }

  /** Hands an event to the runtime now if it is waiting, or as soon as it asks. */
  deliver(event: RuntimeEvent): void {
    this.queued = event;
    if (!this.settling) this.dispatch();
  }

  /** Hands the queued event to a waiting runtime, or says that the runtime waits with nothing to do. */
  private dispatch(): void {
    const held = this.heldNext;
    if (!held) return;
    const queued = this.queued;
    if (!queued) {
      this.listener.idle();
      return;
    }
    this.queued = undefined;
    this.heldNext = undefined;
    this.send(held, queued);
  }

  close(): void {
    this.heldNext?.destroy();
    this.heldNext = undefined;
    this.server.closeAllConnections();
    this.server.close();
  }

  private send(response: ServerResponse, event: RuntimeEvent): void {
    this.currentRequestId = event.requestId;
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': event.payload.length,
      'lambda-runtime-aws-request-id': event.requestId,
      'lambda-runtime-deadline-ms': event.deadlineMs,
      'lambda-runtime-invoked-function-arn': event.invokedFunctionArn,
      'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${event.requestId.replaceAll('-', '').slice(0, 24)};Sampled=0`,
    };
    // Header values travel as bytes: the UTF-8 of the JSON, which Node writes only as latin1 text.
    if (event.clientContext)
      headers['lambda-runtime-client-context'] = Buffer.from(event.clientContext, 'utf8').toString('latin1');
    this.listener.delivering(event);
    response.writeHead(200, headers);
    // Taken before the write: a pause of this process after it (a garbage collection, say)
    // must not eat into the Duration the runtime is already spending.
    const handedAt = performance.now();
    response.end(event.payload);
    this.listener.delivered(event, handedAt);
  }

  /** Why a request may not reach this Runtime API at all, or undefined when it may. */
  private refusal(request: IncomingMessage): Refusal | undefined {
    if (this.strangers.has(request.socket))
      return {
        status: 403,
        type: 'AccessDeniedException',
        message: 'This Runtime API answers only the runtime of its own execution environment.',
      };
    return refuseForeignCaller(
      { origin: header(request, 'origin'), host: header(request, 'host') },
      { boundAddress: LOOPBACK, port: this.port },
    );
  }

  private route(request: IncomingMessage, response: ServerResponse): void {
    const refusal = this.refusal(request);
    if (refusal) {
      request.resume();
      // A stranger's connection is closed after the answer; the runtime's own stays open.
      const close = this.strangers.has(request.socket) ? { connection: 'close' } : {};
      answer(response, refusal.status, { errorType: refusal.type, errorMessage: refusal.message }, close);
      return;
    }
    const path = (request.url ?? '').split('?')[0] ?? '';
    if (request.method === 'GET' && path === `${PREFIX}/invocation/next`) {
      this.heldNext = response;
      this.settling = true;
      const settled = (): void => {
        this.settling = false;
        this.dispatch();
      };
      const reading = this.listener.nextRequested(performance.now(), waitedOf(request));
      if (reading) void reading.then(settled, settled);
      else settled();
      return;
    }
    const profiled = this.listener.profile && PROFILE_PATH.exec(path);
    if (request.method === 'POST' && profiled) {
      this.receiveProfile(request, response, profiled[1]!, this.listener.profile!);
      return;
    }
    const match = /^\/2018-06-01\/runtime\/(?:invocation\/([^/]+)\/(response|error)|init\/error)$/.exec(path);
    if (request.method !== 'POST' || !match) {
      answer(response, 404, {
        errorType: 'InvalidRequest',
        errorMessage: `Unknown Runtime API path ${request.method} ${path}`,
      });
      return;
    }
    const [, requestId, kind] = match;
    if (requestId !== undefined && requestId !== this.currentRequestId) {
      request.resume();
      answer(response, 400, { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });
      return;
    }
    const streamed = header(request, 'lambda-runtime-function-response-mode') === 'streaming';
    readLimited(request, streamed ? MAX_STREAMED_RESPONSE_BYTES : MAX_RESPONSE_BYTES, (received) => {
      // A streamed response that failed midway says so in its trailers.
      const trailerType = streamed ? request.trailers['lambda-runtime-function-error-type'] : undefined;
      const errorType = trailerType ?? header(request, 'lambda-runtime-function-error-type');
      const trailerBody = streamed ? request.trailers['lambda-runtime-function-error-body'] : undefined;
      const body = received !== undefined && trailerBody !== undefined ? Buffer.from(trailerBody, 'base64') : received;
      const failed = trailerType !== undefined;
      if (body === undefined) {
        answer(response, 413, {
          errorType: 'RequestEntityTooLarge',
          errorMessage: 'Response payload size exceeded maximum allowed payload size (6291456 bytes).',
        });
        this.currentRequestId = undefined;
        if (requestId) this.listener.responseTooLarge(requestId);
        return;
      }
      answer(response, 202, { status: 'OK' });
      if (requestId === undefined) this.listener.initError(body, errorType);
      else if (kind === 'response' && !failed) this.listener.response(requestId, body);
      else this.listener.error(requestId, body, errorType);
      this.currentRequestId = undefined;
    });
  }

  private receiveProfile(
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
    sink: (requestId: string, body: Buffer) => void,
  ): void {
    if (requestId !== this.currentRequestId) {
      request.resume();
      answer(response, 400, { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });
      return;
    }
    // One upload per invocation, refused before it is read: a function cannot hold many bodies
    // in the service's memory at once, however many connections its processes open.
    if (this.profiledRequestId === requestId) {
      request.resume();
      answer(response, 409, {
        errorType: 'ProfileAlreadyPosted',
        errorMessage: 'This invocation has posted its profile.',
      });
      return;
    }
    this.profiledRequestId = requestId;
    readLimited(request, MAX_PROFILE_BYTES, (body) => {
      if (body === undefined) {
        answer(response, 413, { errorType: 'RequestEntityTooLarge', errorMessage: 'The profile is too large.' });
        return;
      }
      answer(response, 202, { status: 'OK' });
      sink(requestId, body);
    });
  }
}

function answer(response: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}
