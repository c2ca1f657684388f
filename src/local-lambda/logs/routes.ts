import type { IncomingMessage } from 'node:http';
import { LogsApiError, type LogsApi } from './logs-api.js';
import { refuseContentType } from '../http/request-guard.js';
import { LambdaServiceError } from '../http/service-error.js';
import { header, readJson, refuse, type Json, type Reply, type RouteEntry } from '../http/messages.js';

/** CloudWatch Logs speaks awsJson1_1: the operation travels in X-Amz-Target. */
const LOGS_TARGET_PREFIX = 'Logs_20140328.';

/** Whether a request is CloudWatch Logs': a POST whose X-Amz-Target names one of its operations. */
export function isLogsRequest(request: IncomingMessage): boolean {
  return request.method === 'POST' && header(request, 'x-amz-target')?.startsWith(LOGS_TARGET_PREFIX) === true;
}

/**
 * CloudWatch Logs' routes: awsJson1_1 posts every operation to / with its name in X-Amz-Target,
 * answered as that service does. A POST to / that names none is not an operation of the service.
 */
export function logsRoutes(logsApi: LogsApi): RouteEntry[] {
  return [
    [
      'POST',
      /^\/$/,
      (_match, request, _url, body) => {
        if (!isLogsRequest(request)) {
          request.resume();
          throw new LambdaServiceError('UnknownOperationException', 'Unknown operation POST /');
        }
        return handleLogs(logsApi, request, header(request, 'x-amz-target')!, body);
      },
    ],
  ];
}

async function handleLogs(
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
