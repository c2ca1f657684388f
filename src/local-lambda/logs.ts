/** Function logs as CloudWatch Logs keeps them: a group per function, streams per environment. */
export interface LogEvent {
  readonly timestamp: number;
  readonly ingestionTime: number;
  readonly message: string;
}

export interface LogStream {
  readonly name: string;
  readonly creationTime: number;
  readonly events: LogEvent[];
  /** Events dropped from the front because the stream reached its cap. */
  dropped: number;
}

const MAX_EVENTS_PER_STREAM = 50_000;
const MAX_MESSAGE_BYTES = 256 * 1024;

export class LogStore {
  private readonly groups = new Map<string, Map<string, LogStream>>();

  constructor(private readonly clock: () => number = Date.now) {}

  append(group: string, streamName: string, message: string): void {
    let streams = this.groups.get(group);
    if (!streams) this.groups.set(group, (streams = new Map()));
    let stream = streams.get(streamName);
    if (!stream) {
      stream = { name: streamName, creationTime: this.clock(), events: [], dropped: 0 };
      streams.set(streamName, stream);
    }
    const now = this.clock();
    const text = message.length > MAX_MESSAGE_BYTES ? `${message.slice(0, MAX_MESSAGE_BYTES)} [truncated]` : message;
    stream.events.push({ timestamp: now, ingestionTime: now, message: text });
    if (stream.events.length > MAX_EVENTS_PER_STREAM) {
      stream.events.splice(0, stream.events.length - MAX_EVENTS_PER_STREAM);
      stream.dropped++;
    }
  }

  groupNames(): string[] {
    return [...this.groups.keys()].sort();
  }

  streams(group: string): LogStream[] {
    return [...(this.groups.get(group)?.values() ?? [])];
  }
}

/** `YYYY/MM/DD/[version]<32 hex>`, as Lambda names an environment's log stream. */
export function logStreamName(version: string, environmentId: string, now: Date): string {
  const date = now.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${date}/[${version}]${environmentId}`;
}
