import { randomUUID } from 'node:crypto';
import type { EnvironmentPool } from './environment-pool.js';
import type { EventQueue } from './event-queue.js';
import { responseStream } from '../http/event-stream.js';
import type { EnvironmentSpec, InvocationOutcome } from './environment.js';
import type { FaultInjector } from '../faults.js';
import type { FunctionReference, FunctionStore } from '../control-plane/functions.js';
import { MAX_RESPONSE_BYTES } from './runtime-api.js';
import type { Reply } from '../http/messages.js';
import { describeRuntime } from '../runtimes/index.js';
import { LambdaServiceError, validationError } from '../http/service-error.js';

/** Synchronous invocations carry up to 6 MB each way; asynchronous ones 256 KB. */
export const MAX_SYNC_PAYLOAD_BYTES = MAX_RESPONSE_BYTES;
export const MAX_ASYNC_PAYLOAD_BYTES = 256 * 1024;

export interface InvokeRequest {
  readonly ref: FunctionReference;
  readonly invocationType: string;
  readonly logType: string;
  /** undefined when the request body was larger than the synchronous limit. */
  readonly payload: Buffer | undefined;
  readonly clientContext?: string;
  /** InvokeWithResponseStream: the answer goes out as an event stream. */
  readonly streaming?: boolean;
}

/**
 * The request's payload ('{}' when empty), once the invocation type, log type, size and JSON are
 * valid; Lambda's error for the first that is not.
 */
function checkedPayload(request: InvokeRequest): Buffer {
  const { invocationType, logType } = request;
  if (request.streaming && invocationType === 'Event') {
    throw validationError(
      'invocationType',
      invocationType,
      'Member must satisfy enum value set: [RequestResponse, DryRun]',
    );
  }
  if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) {
    throw validationError(
      'invocationType',
      invocationType,
      'Member must satisfy enum value set: [Event, RequestResponse, DryRun]',
    );
  }
  if (!['None', 'Tail'].includes(logType)) {
    throw validationError('logType', logType, 'Member must satisfy enum value set: [None, Tail]');
  }
  const limit = invocationType === 'Event' ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
  if (request.payload === undefined || request.payload.length > limit) {
    throw new LambdaServiceError(
      'RequestTooLargeException',
      `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
    );
  }
  const payload = request.payload.length ? request.payload : Buffer.from('{}');
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (error) {
    throw new LambdaServiceError(
      'InvalidRequestContentException',
      `Could not parse request body into json: Could not parse payload into json: ${(error as Error).message}`,
    );
  }
  return payload;
}

/** Invoke: resolves the qualifier, finds or starts an environment, and shapes Lambda's answer. */
export class Invoker {
  constructor(
    private readonly store: FunctionStore,
    private readonly pool: EnvironmentPool,
    private readonly events: EventQueue,
    private readonly faults: FaultInjector,
    private readonly region: string,
    private readonly random: () => number = Math.random,
  ) {}

  async invoke(request: InvokeRequest): Promise<Reply> {
    const { invocationType, logType } = request;
    const payload = checkedPayload(request);
    const { record, executedVersion, functionName } = this.store.resolveForInvoke(request.ref, this.random);
    if (invocationType === 'DryRun') return { status: 204, headers: {}, body: Buffer.alloc(0) };

    const settings = record.settings;
    const runtime = describeRuntime(settings.runtime);
    if (!runtime) throw new LambdaServiceError('ServiceException', `runtime ${settings.runtime} disappeared`);
    const spec: EnvironmentSpec = {
      functionName,
      version: executedVersion,
      functionArn: this.store.arn(functionName),
      memoryMb: settings.memoryMb,
      timeoutS: settings.timeoutS,
      handler: settings.handler,
      runtime,
      codeDirectory: record.code.directory,
      variables: settings.variables,
      region: this.region,
      logGroup: settings.logGroup,
      logFormat: settings.logFormat,
      ephemeralStorageMb: settings.ephemeralStorageMb,
    };
    const key = `${functionName}\u0000${executedVersion}\u0000${record.revisionId}`;
    const requestId = randomUUID();
    const run = async (): Promise<InvocationOutcome> => {
      const acquired = await this.pool.acquire(spec, key);
      return acquired.environment
        .invoke({
          requestId,
          payload,
          invokedFunctionArn: this.store.arn(functionName, request.ref.qualifier),
          ...(request.clientContext ? { clientContext: request.clientContext } : {}),
          kill: this.faults.killThisInvocation(),
        })
        .finally(() => acquired.release());
    };

    if (invocationType === 'Event') {
      this.events.enqueue(requestId, payload.length, async () => {
        try {
          return (await run()).functionError ? 'function-error' : 'done';
        } catch (error) {
          // Every environment busy: the event waits in the queue, as on Lambda.
          if (error instanceof LambdaServiceError && error.type === 'TooManyRequestsException') return 'no-environment';
          throw error;
        }
      });
      return { status: 202, headers: { 'x-amzn-RequestId': requestId }, body: Buffer.alloc(0) };
    }
    const outcome = await run();
    if (request.streaming) {
      const headers = this.headers(outcome, executedVersion, false);
      return {
        status: 200,
        headers: {
          'X-Amz-Executed-Version': headers['X-Amz-Executed-Version']!,
          'content-type': 'application/vnd.amazon.eventstream',
        },
        body: responseStream(outcome.functionError ? Buffer.alloc(0) : outcome.body, {
          ...(outcome.functionError
            ? { ErrorCode: outcome.errorType ?? 'Unhandled', ErrorDetails: outcome.body.toString('utf8') }
            : {}),
          ...(logType === 'Tail' ? { LogResult: outcome.logTail.toString('base64') } : {}),
        }),
      };
    }
    return { status: 200, headers: this.headers(outcome, executedVersion, logType === 'Tail'), body: outcome.body };
  }

  /** Drops the asynchronous invocations not yet started and waits for the running ones. */
  async drain(): Promise<void> {
    await this.events.stop();
  }

  private headers(outcome: InvocationOutcome, executedVersion: string, tail: boolean): Record<string, string> {
    const headers: Record<string, string> = {
      'x-amzn-RequestId': outcome.requestId,
      'X-Amz-Executed-Version': executedVersion,
      'content-type': 'application/json',
    };
    if (outcome.functionError) headers['X-Amz-Function-Error'] = 'Unhandled';
    if (tail) headers['X-Amz-Log-Result'] = outcome.logTail.toString('base64');
    return headers;
  }
}
