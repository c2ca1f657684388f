import type { IncomingMessage } from 'node:http';
import type { Reply } from '../http/messages.js';
import { LogsApiError, type LogsApi } from './logs-api.js';
import { refuseContentType } from '../http/request-guard.js';
import { LambdaServiceError } from '../http/service-error.js';
import { header, readJson, refuse, type Json } from '../http/messages.js';

/** CloudWatch Logs speaks awsJson1_1: the operation travels in X-Amz-Target. */
export const LOGS_TARGET_PREFIX = 'Logs_20140328.';

/** A CloudWatch Logs request (its X-Amz-Target starts with LOGS_TARGET_PREFIX), answered as that service does. */
export async function handleLogs(
  logsApi: LogsApi,
  request: IncomingMessage,
  target: string,
  body: Buffer | undefined,
): Promise<Reply> {
  const operation = target.slice(LOGS_TARGET_PREFIX.length);
  const reply = (status: number, document: Json): Reply => ({
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: Buffer.from(JSON.stringify(document)),
  });
  refuse(refuseContentType(header(request, 'content-type'), 'logs-json'));
  try {
    return reply(200, logsApi.handle(operation, readJson(request, body, 'logs-json')));
  } catch (error) {
    if (error instanceof LogsApiError) return reply(400, { __type: error.type, message: error.message });
    if (error instanceof LambdaServiceError)
      return reply(400, { __type: 'InvalidParameterException', message: error.message });
    throw error;
  }
}
