// logs/: function logs as CloudWatch Logs keeps them, the Logs API that serves them, and the REPORT lines.
/** Function logs as CloudWatch Logs keeps them: a group per function, streams per environment. */
export interface LogEvent {
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
}

export interface LogStream {
  readonly name: string;
  readonly creationTime: number;
  /** The most recent events, oldest first; older ones are dropped when the stream is full. */
  readonly events: LogEvent[];
  /** How many events were dropped from the front to keep the stream within its bounds. */
  dropped: number;
  /** Bytes the kept events account for (message length plus a fixed per-event overhead). */
  bytes: number;
}

export interface LogLimits {
  /** Bytes one stream keeps (a ring of its most recent events). */
  readonly streamBytes: number;
  /** Bytes all streams keep together; past it the largest stream gives up its oldest events. */
  readonly totalBytes: number;
  readonly messageChars: number;
}

const DEFAULT_LOG_LIMITS: LogLimits = {
  streamBytes: 8 * 1024 * 1024,
  totalBytes: 128 * 1024 * 1024,
  messageChars: 256 * 1024,
};

/** What an event costs beyond its text: the object, its two numbers, its slot in the array. */
const EVENT_OVERHEAD_BYTES = 96;

const cost = (message: string): number => message.length * 2 + EVENT_OVERHEAD_BYTES;

/**
 * Log groups and streams, bounded: a function that floods its output keeps only its most recent
 * events (Lambda keeps them all, but the gate reads only recent REPORT lines, and the service must
 * not grow with what a function prints). Drops are counted per stream and in total.
 */
export class LogStore {
  private readonly groups = new Map<string, Map<string, LogStream>>();
  private total = 0;
  private droppedTotal = 0;

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly limits: LogLimits = DEFAULT_LOG_LIMITS,
  ) {}

  append(group: string, streamName: string, message: string): void {
    let streams = this.groups.get(group);
    if (!streams) this.groups.set(group, (streams = new Map()));
    let stream = streams.get(streamName);
    if (!stream) {
      stream = { name: streamName, creationTime: this.clock(), events: [], dropped: 0, bytes: 0 };
      streams.set(streamName, stream);
    }
    const now = this.clock();
    const max = this.limits.messageChars;
    const text = message.length > max ? `${message.slice(0, max)} [truncated]` : message;
    stream.events.push({ timestamp: now, ingestionTime: now, message: text });
    stream.bytes += cost(text);
    this.total += cost(text);
    if (stream.bytes > this.limits.streamBytes) this.trim(stream, (this.limits.streamBytes * 7) / 8, 1);
    while (this.total > this.limits.totalBytes) this.trim(this.largest(), this.largest().bytes / 2, 0);
  }

  /** Bytes kept and events dropped across every stream. */
  get usage(): { bytes: number; dropped: number } {
    return { bytes: this.total, dropped: this.droppedTotal };
  }

  groupNames(): string[] {
    return [...this.groups.keys()].sort();
  }

  streams(group: string): LogStream[] {
    return [...(this.groups.get(group)?.values() ?? [])];
  }

  /**
   * Drops the oldest events until the stream holds at most `target` bytes (keeping at least
   * `keep` events), in one splice: a flooding stream trims once per many lines, not on each.
   */
  private trim(stream: LogStream, target: number, keep: number): void {
    let count = 0;
    let freed = 0;
    while (count < stream.events.length - keep && stream.bytes - freed > target)
      freed += cost(stream.events[count++]!.message);
    if (count === 0) return;
    stream.events.splice(0, count);
    stream.bytes -= freed;
    stream.dropped += count;
    this.total -= freed;
    this.droppedTotal += count;
  }

  private largest(): LogStream {
    let largest: LogStream | undefined;
    for (const streams of this.groups.values())
      for (const stream of streams.values()) if (!largest || stream.bytes > largest.bytes) largest = stream;
    return largest!;
  }
}

/** `YYYY/MM/DD/[version]<32 hex>`, as Lambda names an environment's log stream. */
export function logStreamName(version: string, environmentId: string, now: Date): string {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${date}/[${version}]${environmentId}`;
}
