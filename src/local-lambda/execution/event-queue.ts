import { LambdaServiceError } from '../http/service-error.js';

/** What running one queued event came to. */
export type EventOutcome = 'done' | 'function-error' | 'no-environment';

export interface EventQueueOptions {
  /** Events waiting at most; past it Invoke answers 429. */
  readonly capacity: number;
  /** Payload bytes the events held may come to at most; past it Invoke answers 429 too. */
  readonly capacityBytes: number;
  /** Events running at once (the account's concurrency). */
  readonly concurrency: number;
  /** Delay before the first retry of a failed event; the second waits twice as long. */
  readonly retryDelayMs: number;
}

interface QueuedEvent {
  readonly requestId: string;
  /** The payload's size, held until the event is finished with. */
  readonly bytes: number;
  /** Runs the event once; `attempt` is 1, 2 or 3. */
  readonly run: (attempt: number) => Promise<EventOutcome>;
  attempt: number;
}

/** Lambda retries a failed asynchronous invocation twice. */
const MAX_ATTEMPTS = 3;
/** How long an event waits when every environment is busy before it tries again. */
const BUSY_WAIT_MS = 20;

/**
 * Asynchronous (Event) invocations, as Lambda queues them: accepted into a bounded queue, run as
 * environments allow, never dropped while the service runs, and retried twice after a function
 * error, each retry logged under the same request id.
 */
export class EventQueue {
  private readonly waiting: QueuedEvent[] = [];
  /** Events waiting to be tried again, by their timer. */
  private readonly timers = new Map<NodeJS.Timeout, QueuedEvent>();
  private readonly inFlight = new Set<Promise<void>>();
  private heldBytes = 0;
  private stopped = false;

  constructor(private readonly options: EventQueueOptions) {}

  /** Events accepted and not yet finished (waiting, running or waiting for a retry). */
  get size(): number {
    return this.waiting.length + this.inFlight.size + this.timers.size;
  }

  /** Payload bytes of the events accepted and not yet finished. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Accepts an event whose payload is `bytes` long, or refuses it as Lambda does when throttled. */
  enqueue(requestId: string, bytes: number, run: (attempt: number) => Promise<EventOutcome>): void {
    if (this.stopped) throw new LambdaServiceError('ServiceException', 'The service is stopping.');
    if (this.size >= this.options.capacity) throw full(`${this.options.capacity} events`);
    if (this.heldBytes + bytes > this.options.capacityBytes)
      throw full(`${this.heldBytes} of its ${this.options.capacityBytes} bytes of payloads`);
    this.heldBytes += bytes;
    this.waiting.push({ requestId, bytes, run, attempt: 1 });
    this.pump();
  }

  /** Drops what has not started and waits for what runs (it ends when environments stop). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const event of this.waiting.splice(0)) this.heldBytes -= event.bytes;
    for (const [timer, event] of this.timers) {
      clearTimeout(timer);
      this.heldBytes -= event.bytes;
    }
    this.timers.clear();
    await Promise.all(this.inFlight);
  }

  private pump(): void {
    while (!this.stopped && this.inFlight.size < this.options.concurrency && this.waiting.length > 0) {
      const event = this.waiting.shift()!;
      const running = this.attempt(event).finally(() => {
        this.inFlight.delete(running);
        this.pump();
      });
      this.inFlight.add(running);
    }
  }

  private async attempt(event: QueuedEvent): Promise<void> {
    let outcome: EventOutcome;
    try {
      outcome = await event.run(event.attempt);
    } catch {
      outcome = 'no-environment';
    }
    if (outcome === 'no-environment') this.later(event, BUSY_WAIT_MS);
    else if (outcome === 'function-error' && event.attempt < MAX_ATTEMPTS) {
      event.attempt++;
      this.later(event, this.options.retryDelayMs * 2 ** (event.attempt - 2));
    } else this.heldBytes -= event.bytes;
  }

  private later(event: QueuedEvent, delayMs: number): void {
    if (this.stopped) {
      this.heldBytes -= event.bytes;
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.waiting.push(event);
      this.pump();
    }, delayMs);
    this.timers.set(timer, event);
  }
}

/** Lambda's answer when it cannot take an asynchronous invocation: 429, retry later. */
function full(holds: string): LambdaServiceError {
  return new LambdaServiceError(
    'TooManyRequestsException',
    `Rate Exceeded: the asynchronous invocation queue holds ${holds}; try again later.`,
    { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
    { 'Retry-After': '1' },
  );
}
