/** The platform log lines Lambda writes around each invocation, in its text or JSON format. */
export type LogFormat = 'Text' | 'JSON';

export interface InvocationMetrics {
  readonly requestId: string;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly memorySizeMb: number;
  readonly maxMemoryUsedMb: number;
  readonly initDurationMs?: number;
  /** `success`, or Lambda's status for a failed invocation. */
  readonly status: 'success' | 'error' | 'timeout';
  readonly errorType?: string;
}

const ms = (value: number): string => value.toFixed(2);

export function initStartLine(format: LogFormat, runtimeVersion: string, region: string, now: Date): string {
  const arn = `arn:aws:lambda:${region}::runtime:${runtimeVersion}`;
  if (format === 'JSON') {
    return JSON.stringify({
      time: now.toISOString(),
      type: 'platform.initStart',
      record: { initializationType: 'on-demand', phase: 'init', runtimeVersion, runtimeVersionArn: arn },
    });
  }
  return `INIT_START Runtime Version: ${runtimeVersion}\tRuntime Version ARN: ${arn}`;
}

export function startLine(format: LogFormat, requestId: string, version: string, now: Date): string {
  if (format === 'JSON') {
    return JSON.stringify({ time: now.toISOString(), type: 'platform.start', record: { requestId, version } });
  }
  return `START RequestId: ${requestId} Version: ${version}`;
}

export function endLine(format: LogFormat, requestId: string, now: Date): string {
  if (format === 'JSON') {
    return JSON.stringify({
      time: now.toISOString(),
      type: 'platform.runtimeDone',
      record: { requestId, status: 'success' },
    });
  }
  return `END RequestId: ${requestId}`;
}

export function reportLine(format: LogFormat, metrics: InvocationMetrics, now: Date): string {
  if (format === 'JSON') {
    return JSON.stringify({
      time: now.toISOString(),
      type: 'platform.report',
      record: {
        requestId: metrics.requestId,
        metrics: {
          durationMs: Number(ms(metrics.durationMs)),
          billedDurationMs: metrics.billedDurationMs,
          memorySizeMB: metrics.memorySizeMb,
          maxMemoryUsedMB: metrics.maxMemoryUsedMb,
          ...(metrics.initDurationMs === undefined ? {} : { initDurationMs: Number(ms(metrics.initDurationMs)) }),
        },
        status: metrics.status,
        ...(metrics.errorType ? { errorType: metrics.errorType } : {}),
      },
    });
  }
  const fields = [
    `REPORT RequestId: ${metrics.requestId}`,
    `Duration: ${ms(metrics.durationMs)} ms`,
    `Billed Duration: ${metrics.billedDurationMs} ms`,
    `Memory Size: ${metrics.memorySizeMb} MB`,
    `Max Memory Used: ${metrics.maxMemoryUsedMb} MB`,
  ];
  if (metrics.initDurationMs !== undefined) fields.push(`Init Duration: ${ms(metrics.initDurationMs)} ms`);
  if (metrics.status !== 'success') fields.push(`Status: ${metrics.status}`);
  if (metrics.errorType) fields.push(`Error Type: ${metrics.errorType}`);
  return `${fields.join('\t')}\t`;
}

/**
 * Billed duration: 1 ms granularity, rounded up. Since 1 August 2025 the INIT phase is billed for
 * managed runtimes as it already was for OS-only ones, so a cold start bills INIT plus Duration
 * (INIT itself is limited to 10 s).
 */
export function billedDuration(durationMs: number, initDurationMs?: number): number {
  return Math.max(1, Math.ceil(durationMs + Math.min(initDurationMs ?? 0, 10_000)));
}
