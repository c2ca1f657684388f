/** The numbers Lambda reports for one invocation, from its REPORT line (text) or platform.report record (JSON). */
export interface ReportMetrics {
  readonly requestId: string;
  readonly durationMs: number;
  /** 0 on Lambda Managed Instances, which bill no duration (see `managedInstances`). */
  readonly billedDurationMs: number;
  /** 0 where the line does not report it (Lambda Managed Instances). */
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  /**
   * Set for a Lambda Managed Instances invocation, whose REPORT line carries only Duration: no
   * billed duration (the instances are billed instead), memory size or memory used.
   */
  readonly managedInstances?: true;
  /** Present on a cold start only. */
  readonly initDurationMs?: number;
  /** SnapStart: present on a restored environment's first invocation, instead of Init Duration. */
  readonly restoreDurationMs?: number;
  readonly billedRestoreDurationMs?: number;
  /** `success` unless the line says otherwise (`error`, `timeout`). */
  readonly status: string;
  readonly errorType?: string;
}

const TEXT_FIELDS: Record<string, keyof ReportMetrics> = {
  Duration: 'durationMs',
  'Billed Duration': 'billedDurationMs',
  'Memory Size': 'memorySizeMb',
  'Max Memory Used': 'maxMemoryUsedMb',
  'Init Duration': 'initDurationMs',
  'Restore Duration': 'restoreDurationMs',
  'Billed Restore Duration': 'billedRestoreDurationMs',
};

type Mutable = { -readonly [K in keyof ReportMetrics]?: ReportMetrics[K] };

function complete(fields: Mutable): ReportMetrics | undefined {
  const { requestId, durationMs, billedDurationMs, memorySizeMb, maxMemoryUsedMb } = fields;
  if (requestId === undefined || durationMs === undefined) return undefined;
  // Lambda Managed Instances report Duration alone; a line missing only some of the rest is malformed.
  if (billedDurationMs === undefined && memorySizeMb === undefined && maxMemoryUsedMb === undefined) {
    return {
      status: 'success',
      ...fields,
      billedDurationMs: 0,
      memorySizeMb: 0,
      maxMemoryUsedMb: 0,
      managedInstances: true,
    } as ReportMetrics;
  }
  if (billedDurationMs === undefined || memorySizeMb === undefined || maxMemoryUsedMb === undefined) return undefined;
  return { status: 'success', ...fields } as ReportMetrics;
}

function parseText(line: string): ReportMetrics | undefined {
  const fields: Mutable = {};
  for (const part of line.slice('REPORT '.length).split('\t')) {
    const colon = part.indexOf(':');
    if (colon < 0) continue;
    const key = part.slice(0, colon).trim();
    const value = part.slice(colon + 1).trim();
    if (key === 'RequestId') fields.requestId = value;
    else if (key === 'Status') fields.status = value;
    else if (key === 'Error Type') fields.errorType = value;
    else {
      const target = TEXT_FIELDS[key];
      const number = Number.parseFloat(value);
      if (target && Number.isFinite(number)) (fields as Record<string, number>)[target] = number;
    }
  }
  return complete(fields);
}

function parseJson(line: string): ReportMetrics | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  const record = (parsed as { type?: unknown; record?: Record<string, unknown> }) ?? {};
  if (record.type !== 'platform.report' || typeof record.record !== 'object' || record.record === null)
    return undefined;
  const body = record.record;
  const metrics = (body.metrics ?? {}) as Record<string, unknown>;
  const number = (key: string): number | undefined =>
    typeof metrics[key] === 'number' ? (metrics[key] as number) : undefined;
  const fields: Mutable = {};
  if (typeof body.requestId === 'string') fields.requestId = body.requestId;
  const map: [string, keyof ReportMetrics][] = [
    ['durationMs', 'durationMs'],
    ['billedDurationMs', 'billedDurationMs'],
    ['memorySizeMB', 'memorySizeMb'],
    ['maxMemoryUsedMB', 'maxMemoryUsedMb'],
    ['initDurationMs', 'initDurationMs'],
    ['restoreDurationMs', 'restoreDurationMs'],
    ['billedRestoreDurationMs', 'billedRestoreDurationMs'],
  ];
  for (const [from, to] of map) {
    const value = number(from);
    if (value !== undefined) (fields as Record<string, number>)[to] = value;
  }
  if (typeof body.status === 'string') fields.status = body.status;
  if (typeof body.errorType === 'string') fields.errorType = body.errorType;
  return complete(fields);
}

/** Parses one log line; undefined unless it is a complete REPORT line or platform.report record. */
export function parseReportLine(line: string): ReportMetrics | undefined {
  const trimmed = line.trim();
  if (trimmed.startsWith('REPORT ')) return parseText(trimmed);
  if (trimmed.startsWith('{') && trimmed.includes('platform.report')) return parseJson(trimmed);
  return undefined;
}

/** All REPORT records in a log text, e.g. a decoded `LogResult` tail or a CloudWatch page. */
export function parseReportLines(text: string): ReportMetrics[] {
  return text.split('\n').flatMap((line) => parseReportLine(line) ?? []);
}
