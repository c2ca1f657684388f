import type { LogEvent, LogStore, LogStream } from './log-store.js';

/**
 * The CloudWatch Logs subset the gate reads (awsJson1_1: POST / with X-Amz-Target), enough for
 * `@aws-sdk/client-cloudwatch-logs` and the AWS CLI: DescribeLogGroups, DescribeLogStreams,
 * GetLogEvents and FilterLogEvents, with their pagination.
 */
export class LogsApiError extends Error {
  constructor(
    readonly type: 'ResourceNotFoundException' | 'InvalidParameterException' | 'UnknownOperationException',
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;
const MAX_EVENTS = 10_000;
const PAGE = 50;

function token(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

function offsetOf(value: unknown): number {
  if (typeof value !== 'string') return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw new LogsApiError('InvalidParameterException', 'The specified nextToken is invalid.');
}

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The simplest filter-pattern syntax: terms that must all appear ("REPORT RequestId"), a quoted
 * phrase, or an empty pattern for everything. JSON and metric patterns are not supported.
 */
function matcher(pattern: string | undefined): (message: string) => boolean {
  if (!pattern || pattern.trim() === '') return () => true;
  const trimmed = pattern.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    throw new LogsApiError(
      'InvalidParameterException',
      'The local service supports plain-term filter patterns only (terms or a "quoted phrase").',
    );
  }
  const terms = trimmed.startsWith('"') && trimmed.endsWith('"') ? [trimmed.slice(1, -1)] : trimmed.split(/\s+/);
  return (message) => terms.every((term) => message.includes(term));
}

export class LogsApi {
  /** Events become visible this long after they were written, as CloudWatch delivery lags. */
  constructor(
    private readonly logs: LogStore,
    private readonly region: string,
    private readonly deliveryDelayMs: () => number = () => 0,
  ) {}

  handle(operation: string, body: Json): Json {
    switch (operation) {
      case 'DescribeLogGroups':
        return this.describeLogGroups(body);
      case 'DescribeLogStreams':
        return this.describeLogStreams(body);
      case 'GetLogEvents':
        return this.getLogEvents(body);
      case 'FilterLogEvents':
        return this.filterLogEvents(body);
      default:
        throw new LogsApiError('UnknownOperationException', `The local service does not implement ${operation}.`);
    }
  }

  private visible(events: readonly LogEvent[]): LogEvent[] {
    const cutoff = Date.now() - this.deliveryDelayMs();
    return events.filter((event) => event.ingestionTime <= cutoff);
  }

  private streamsOf(group: string | undefined): LogStream[] {
    if (!group) throw new LogsApiError('InvalidParameterException', 'logGroupName is required.');
    if (!this.logs.groupNames().includes(group))
      throw new LogsApiError('ResourceNotFoundException', 'The specified log group does not exist.');
    return this.logs.streams(group);
  }

  private describeLogGroups(body: Json): Json {
    const prefix = str(body.logGroupNamePrefix) ?? '';
    const names = this.logs.groupNames().filter((name) => name.startsWith(prefix));
    const start = body.nextToken === undefined ? 0 : offsetOf(body.nextToken);
    const limit = Math.min(num(body.limit) ?? PAGE, PAGE);
    const page = names.slice(start, start + limit);
    return {
      logGroups: page.map((name) => ({
        logGroupName: name,
        arn: `arn:aws:logs:${this.region}:000000000000:log-group:${name}:*`,
        storedBytes: 0,
      })),
      ...(start + limit < names.length ? { nextToken: token(start + limit) } : {}),
    };
  }

  private describeLogStreams(body: Json): Json {
    const group = str(body.logGroupName);
    const prefix = str(body.logStreamNamePrefix) ?? '';
    const byTime = body.orderBy === 'LastEventTime';
    if (byTime && prefix)
      throw new LogsApiError('InvalidParameterException', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
    const streams = this.streamsOf(group)
      .filter((stream) => stream.name.startsWith(prefix))
      .map((stream) => ({ stream, events: this.visible(stream.events) }));
    streams.sort((a, b) =>
      byTime
        ? (a.events.at(-1)?.timestamp ?? 0) - (b.events.at(-1)?.timestamp ?? 0)
        : a.stream.name.localeCompare(b.stream.name),
    );
    if (body.descending === true) streams.reverse();
    const start = body.nextToken === undefined ? 0 : offsetOf(body.nextToken);
    const limit = Math.min(num(body.limit) ?? PAGE, PAGE);
    const page = streams.slice(start, start + limit);
    return {
      logStreams: page.map(({ stream, events }) => ({
        logStreamName: stream.name,
        creationTime: stream.creationTime,
        ...(events.length
          ? {
              firstEventTimestamp: events[0]!.timestamp,
              lastEventTimestamp: events.at(-1)!.timestamp,
              lastIngestionTime: events.at(-1)!.ingestionTime,
            }
          : {}),
        arn: `arn:aws:logs:${this.region}:000000000000:log-group:${group}:log-stream:${stream.name}`,
        storedBytes: 0,
      })),
      ...(start + limit < streams.length ? { nextToken: token(start + limit) } : {}),
    };
  }

  private getLogEvents(body: Json): Json {
    const name = str(body.logStreamName);
    const stream = this.streamsOf(str(body.logGroupName)).find((s) => s.name === name);
    if (!stream) throw new LogsApiError('ResourceNotFoundException', 'The specified log stream does not exist.');
    const startTime = num(body.startTime) ?? 0;
    const endTime = num(body.endTime) ?? Number.MAX_SAFE_INTEGER;
    const events = this.visible(stream.events).filter((e) => e.timestamp >= startTime && e.timestamp < endTime);
    const limit = Math.min(num(body.limit) ?? MAX_EVENTS, MAX_EVENTS);
    const fromHead = body.startFromHead === true || body.nextToken !== undefined;
    const start =
      body.nextToken !== undefined ? offsetOf(body.nextToken) : fromHead ? 0 : Math.max(0, events.length - limit);
    const page = events.slice(start, start + limit);
    return {
      events: page.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
      // As CloudWatch does, the forward token repeats once the end is reached.
      nextForwardToken: token(start + page.length),
      nextBackwardToken: token(Math.max(0, start - limit)),
    };
  }

  private filterLogEvents(body: Json): Json {
    const group = str(body.logGroupName);
    const names = Array.isArray(body.logStreamNames) ? body.logStreamNames.map(String) : undefined;
    const prefix = str(body.logStreamNamePrefix);
    if (names && prefix)
      throw new LogsApiError(
        'InvalidParameterException',
        'logStreamNames and logStreamNamePrefix cannot both be given.',
      );
    const match = matcher(str(body.filterPattern));
    const startTime = num(body.startTime) ?? 0;
    const endTime = num(body.endTime) ?? Number.MAX_SAFE_INTEGER;
    const streams = this.streamsOf(group).filter((s) =>
      names ? names.includes(s.name) : prefix ? s.name.startsWith(prefix) : true,
    );
    const events = streams
      .flatMap((stream) => this.visible(stream.events).map((event, index) => ({ stream: stream.name, event, index })))
      .filter(({ event }) => event.timestamp >= startTime && event.timestamp <= endTime && match(event.message))
      .sort((a, b) => a.event.timestamp - b.event.timestamp || a.stream.localeCompare(b.stream) || a.index - b.index);
    const start = body.nextToken === undefined ? 0 : offsetOf(body.nextToken);
    const limit = Math.min(num(body.limit) ?? MAX_EVENTS, MAX_EVENTS);
    const page = events.slice(start, start + limit);
    return {
      events: page.map(({ stream, event, index }) => ({
        logStreamName: stream,
        timestamp: event.timestamp,
        message: event.message,
        ingestionTime: event.ingestionTime,
        eventId: `${event.timestamp}${String(index).padStart(10, '0')}`,
      })),
      searchedLogStreams: streams.map((s) => ({ logStreamName: s.name, searchedCompletely: true })),
      ...(start + limit < events.length ? { nextToken: token(start + limit) } : {}),
    };
  }
}
