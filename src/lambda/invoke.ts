import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { describeAwsError, InfrastructureError } from './infrastructure-error.js';
import { parseReportLines, type ReportMetrics } from './report-line.js';
import { withRetry, type RetryPolicy } from './retry.js';

export interface Invocation {
  readonly report: ReportMetrics;
  readonly payload: Buffer;
  /** Lambda's error type when the function failed, from the error document. */
  readonly errorType?: string;
  /** The error document's errorMessage, its first line and at most MAX_ERROR_MESSAGE characters. */
  readonly errorMessage?: string;
}

/** Enough to name what went wrong; a report needs no stack or a whole payload. */
const MAX_ERROR_MESSAGE = 200;

function shortened(message: string): string {
  const line = message.split('\n', 1)[0]!.trim();
  return line.length > MAX_ERROR_MESSAGE ? `${line.slice(0, MAX_ERROR_MESSAGE - 3)}...` : line;
}

/**
 * Invokes once with `LogType: Tail` and reads Lambda's own REPORT line from the log tail:
 * durations come from there, never from the client's clock.
 */
export async function invokeForReport(
  client: LambdaClient,
  functionName: string,
  qualifier: string,
  payload: Buffer,
  retry: RetryPolicy,
  onRetry: () => void,
  endpoint?: string,
): Promise<Invocation> {
  let output;
  try {
    output = await withRetry(
      () =>
        client.send(
          new InvokeCommand({ FunctionName: functionName, Qualifier: qualifier, Payload: payload, LogType: 'Tail' }),
        ),
      retry,
      onRetry,
    );
  } catch (error) {
    throw describeAwsError(error, 'InvokeFunction', `${functionName}:${qualifier}`, endpoint);
  }
  const attempts = output.$metadata.attempts ?? 1;
  for (let i = 1; i < attempts; i++) onRetry();
  const log = Buffer.from(output.LogResult ?? '', 'base64').toString('utf8');
  const report = parseReportLines(log).at(-1);
  if (!report)
    throw new InfrastructureError(
      'protocol',
      `the invocation of ${functionName}:${qualifier} returned no REPORT line in its log tail`,
    );
  const body = Buffer.from(output.Payload ?? []);
  if (!output.FunctionError) return { report, payload: body };
  let errorType = output.FunctionError;
  let errorMessage: string | undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof parsed.errorType === 'string') errorType = parsed.errorType;
    if (typeof parsed.errorMessage === 'string' && parsed.errorMessage.trim())
      errorMessage = shortened(parsed.errorMessage);
  } catch {
    // Not a JSON error document; keep Lambda's header value.
  }
  return { report, payload: body, errorType, ...(errorMessage === undefined ? {} : { errorMessage }) };
}
