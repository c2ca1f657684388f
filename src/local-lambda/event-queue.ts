import { LambdaServiceError } from './service-error.js';

/** What running one queued event came to. */
export type EventOutcome = 'done' | 'function-error' | 'no-environment';

export interface EventQueueOptions {
  /** Events waiting at most; past it Invoke answers 429. */
  readonly capacity: number;
  /** Events running at once (the account's concurrency). */
  readonly concurrency: number;
  /** Delay before the first retry of a failed event; the second waits twice as long. */
  readonly retryDelayMs: number;
}

interface QueuedEvent {
  readonly requestId: string;
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
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private delayed = 0;
  private stopped = false;

  constructor(private readonly options: EventQueueOptions) {}

  /** Events accepted and not yet finished (waiting, running or waiting for a retry). */
  get size(): number {
    return this.waiting.length + this.inFlight.size + this.delayed;
  }

  enqueue(requestId: string, run: (attempt: number) => Promise<EventOutcome>): void {
    if (this.stopped) throw new LambdaServiceError('ServiceException', 'The service is stopping.');
    if (this.size >= this.options.capacity) {
      throw new LambdaServiceError(
        'TooManyRequestsException',
        `Rate Exceeded: the asynchronous invocation queue holds ${this.options.capacity} events; try again later.`,
        { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
        { 'Retry-After': '1' },
      );
    }
    this.waiting.push({ requestId, run, attempt: 1 });
    this.pump();
  }

  /** Drops what has not started and waits for what runs (it ends when environments stop). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting.length = 0;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.delayed = 0;
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
    }
  }

  private later(event: QueuedEvent, delayMs: number): void {
    if (this.stopped) return;
    this.delayed++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.delayed--;
      this.waiting.push(event);
      this.pump();
    }, delayMs);
    this.timers.add(timer);
  }
}
