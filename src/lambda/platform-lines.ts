import { parseReportLine, type ReportMetrics } from './report-line.js';

/**
 * Which REPORT lines in a log stream Lambda wrote, and which a function printed to look like them.
 *
 * A function can print anything, `START`, `END` and `REPORT` lines included (raw stdout is not
 * prefixed), so reading every REPORT line lets a candidate add fast "invocations" of its own. The
 * rule below recovers the platform's lines from what a function cannot do:
 *
 * 1. An environment runs one invocation at a time, and its log stream reads
 *    `START X1 · output · END X1 · REPORT X1 · START X2 · output · END X2 · REPORT X2 ...`;
 *    a function writes only while it runs, between its START and its END (Lambda freezes the
 *    environment in between), so every printed line lies inside some invocation's output.
 * 2. A request id is fresh and random: nothing can mention X before Lambda writes `START X`.
 *    So the real `START X` is the first line of the stream that mentions X.
 * 3. Lambda writes END and REPORT after all of an invocation's output, so the last REPORT
 *    before the next real START is real, and it follows its own END (with no START, END or
 *    REPORT line between).
 *
 * The stream is read backwards: its last REPORT X whose nearest platform-looking line before it is
 * `END X` is real; X's START is the first line mentioning X; whatever lies between is that
 * invocation's output and is skipped, forged lines included; the line before that START ends the
 * previous invocation, and so on. A pair whose id is first mentioned by anything but a START
 * (its START fell before the window, or it is made up) is skipped. A START that is the first
 * mention of its id after the last real REPORT is an invocation still under way.
 *
 * Streams where several invocations run at once (Lambda Managed Instances) break rule 1; this
 * reads them as one invocation at a time and may count fewer.
 */
export interface PlatformInvocations {
  /** The real REPORT of each complete invocation, in the stream's order. */
  readonly reports: ReportMetrics[];
  /** Where each of those REPORT lines is among the messages. */
  readonly reportIndexes: number[];
  /** Invocations whose START is in the stream: the complete ones, plus one still under way. */
  readonly starts: number;
  /** REPORT-looking lines that were not the platform's. */
  readonly ignored: number;
}

type Line =
  | { readonly kind: 'start' | 'end'; readonly id: string }
  | { readonly kind: 'report'; readonly id: string; readonly metrics: ReportMetrics }
  | { readonly kind: 'other' };

const TEXT_START = /^START RequestId: (\S+)/;
const TEXT_END = /^END RequestId: (\S+)/;

function classify(message: string): Line {
  const text = message.trim();
  const report = parseReportLine(text);
  if (report) return { kind: 'report', id: report.requestId, metrics: report };
  const start = TEXT_START.exec(text);
  if (start) return { kind: 'start', id: start[1]! };
  const end = TEXT_END.exec(text);
  if (end) return { kind: 'end', id: end[1]! };
  if (text.startsWith('{') && (text.includes('"platform.start"') || text.includes('"platform.runtimeDone"'))) {
    try {
      const parsed = JSON.parse(text) as { type?: unknown; record?: { requestId?: unknown } };
      if (typeof parsed.record?.requestId === 'string') {
        if (parsed.type === 'platform.start') return { kind: 'start', id: parsed.record.requestId };
        if (parsed.type === 'platform.runtimeDone') return { kind: 'end', id: parsed.record.requestId };
      }
    } catch {
      // Not JSON: an ordinary line.
    }
  }
  return { kind: 'other' };
}

/** Reads one log stream's messages, in order, and keeps only what Lambda wrote (see above). */
export function platformInvocations(messages: readonly string[]): PlatformInvocations {
  const lines = messages.map(classify);
  const firstMention = (id: string, before: number): number => {
    for (let i = 0; i < before; i++) if (messages[i]!.includes(id)) return i;
    return before;
  };
  const accepted: { start: number; report: number }[] = [];
  let i = lines.length - 1;
  while (i >= 1) {
    const line = lines[i]!;
    if (line.kind !== 'report') {
      i--;
      continue;
    }
    let previous = i - 1;
    while (previous >= 0 && lines[previous]!.kind === 'other') previous--;
    const end = lines[previous];
    if (!end || end.kind !== 'end' || end.id !== line.id) {
      i--;
      continue;
    }
    const start = firstMention(line.id, i);
    const startLine = lines[start]!;
    if (startLine.kind !== 'start' || startLine.id !== line.id) {
      i--;
      continue;
    }
    accepted.unshift({ start, report: i });
    i = start - 1;
  }
  const lastReport = accepted.at(-1)?.report ?? -1;
  let underWay = false;
  for (let k = lastReport + 1; k < lines.length && !underWay; k++) {
    const line = lines[k]!;
    underWay = line.kind === 'start' && firstMention(line.id, k) === k;
  }
  const reports = accepted.map((a) => (lines[a.report] as { metrics: ReportMetrics }).metrics);
  const printed = lines.filter((l) => l.kind === 'report').length;
  return {
    reports,
    reportIndexes: accepted.map((a) => a.report),
    starts: reports.length + (underWay ? 1 : 0),
    ignored: printed - reports.length,
  };
}
