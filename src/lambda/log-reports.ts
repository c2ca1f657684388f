import {
  paginateDescribeLogStreams,
  paginateFilterLogEvents,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { describeAwsError } from './infrastructure-error.js';
import { platformInvocations } from './platform-lines.js';
import type { ReportMetrics } from './report-line.js';
import type { Sleep } from './retry.js';

export interface CollectedReports {
  readonly reports: ReportMetrics[];
  /** Invocations seen starting (START lines Lambda wrote) in the window. */
  readonly starts: number;
  /** REPORT-looking lines a function printed, not counted. */
  readonly ignored: number;
  /** Whether every started invocation's REPORT arrived. */
  readonly complete: boolean;
  readonly waitedMs: number;
}

export interface CollectOptions {
  readonly logGroup: string;
  /** The published version whose streams (`.../[version]...`) are read. */
  readonly version: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly maxWaitMs: number;
  /** How long the counts must stay unchanged before delivery counts as done. */
  readonly settleMs: number;
  readonly pollMs: number;
  readonly sleep: Sleep;
  readonly now?: () => number;
  readonly endpoint?: string;
}

async function streamsOfVersion(logs: CloudWatchLogsClient, group: string, version: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const page of paginateDescribeLogStreams({ client: logs }, { logGroupName: group })) {
      for (const stream of page.logStreams ?? [])
        if (stream.logStreamName?.includes(`[${version}]`)) names.push(stream.logStreamName);
    }
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return [];
    throw error;
  }
  return names;
}

/** Only the REPORT lines Lambda wrote count, read stream by stream (see platform-lines.ts). */
async function readWindow(
  logs: CloudWatchLogsClient,
  options: CollectOptions,
): Promise<{ reports: ReportMetrics[]; starts: number; ignored: number }> {
  const streams = await streamsOfVersion(logs, options.logGroup, options.version);
  const byStream = new Map<string, { timestamp: number; message: string }[]>();
  // FilterLogEvents takes at most 100 stream names at a time.
  for (let i = 0; i < streams.length; i += 100) {
    const pages = paginateFilterLogEvents(
      { client: logs },
      {
        logGroupName: options.logGroup,
        logStreamNames: streams.slice(i, i + 100),
        startTime: options.startMs,
        endTime: options.endMs,
      },
    );
    for await (const page of pages) {
      for (const event of page.events ?? []) {
        const stream = event.logStreamName ?? '';
        if (!byStream.has(stream)) byStream.set(stream, []);
        byStream.get(stream)!.push({ timestamp: event.timestamp ?? 0, message: event.message ?? '' });
      }
    }
  }
  const found: { timestamp: number; report: ReportMetrics }[] = [];
  let starts = 0;
  let ignored = 0;
  for (const events of byStream.values()) {
    const read = platformInvocations(events.map((e) => e.message));
    starts += read.starts;
    ignored += read.ignored;
    read.reports.forEach((report, k) => found.push({ timestamp: events[read.reportIndexes[k]!]!.timestamp, report }));
  }
  found.sort((a, b) => a.timestamp - b.timestamp);
  return { reports: found.map((f) => f.report), starts, ignored };
}

/**
 * Reads the REPORT lines that one version logged in a time window from CloudWatch Logs. Logs
 * arrive late, so it polls until every invocation seen starting (START) has its REPORT line and
 * the counts have not changed for the settle time, or until the bound.
 */
export async function collectReports(logs: CloudWatchLogsClient, options: CollectOptions): Promise<CollectedReports> {
  const now = options.now ?? Date.now;
  const began = now();
  let lastCounts = '';
  let lastChange = began;
  for (;;) {
    let window;
    try {
      window = await readWindow(logs, options);
    } catch (error) {
      throw describeAwsError(error, 'FilterLogEvents', options.logGroup, options.endpoint, 'logs');
    }
    const at = now();
    const counts = `${window.starts}/${window.reports.length}`;
    if (counts !== lastCounts) {
      lastCounts = counts;
      lastChange = at;
    }
    const complete = window.reports.length >= window.starts;
    const settled = at - lastChange >= options.settleMs;
    if ((complete && settled) || at - began >= options.maxWaitMs) return { ...window, complete, waitedMs: at - began };
    await options.sleep(options.pollMs);
  }
}
