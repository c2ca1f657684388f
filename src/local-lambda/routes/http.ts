import type { IncomingMessage } from 'node:http';
import { errorMessage } from '../../errors.js';
import { MAX_ZIP_UPLOAD_BYTES } from '../../zip-archive.js';
import type { Reply } from '../invoke.js';
import { refuseContentType } from '../request-guard.js';
import { readLimited } from '../runtime-api.js';
import { invalidParameter, LambdaServiceError, validationError } from '../service-error.js';

/** What every route area shares: the shape of a route and of its request and reply. */
export type Json = Record<string, unknown>;
export type Route = (
  match: RegExpExecArray,
  request: IncomingMessage,
  url: URL,
  body: Buffer | undefined,
) => Promise<Reply>;
/** Method, path pattern (its groups go to the route as `match`), route. The first match answers. */
export type RouteEntry = [string, RegExp, Route];

/** A base64 ZipFile of the largest direct upload, inside its JSON document. */
export const MAX_CONTROL_BODY_BYTES = Math.ceil((MAX_ZIP_UPLOAD_BYTES * 4) / 3) + 64 * 1024;

export function json(status: number, body: Json | undefined): Reply {
  if (body === undefined) return { status, headers: {}, body: Buffer.alloc(0) };
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) };
}

export function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => readLimited(request, limit, resolve));
}

export function refuse(refusal: { type: LambdaServiceError['type']; message: string } | undefined): void {
  if (refusal) throw new LambdaServiceError(refusal.type, refusal.message);
}

/** A JSON request body; a non-empty one must say it is JSON (a page can post text/plain). */
export function readJson(
  request: IncomingMessage,
  body: Buffer | undefined,
  expects: 'json' | 'logs-json' = 'json',
): Json {
  if (body === undefined) {
    throw new LambdaServiceError(
      'RequestEntityTooLargeException',
      `Request must be smaller than ${MAX_CONTROL_BODY_BYTES} bytes`,
    );
  }
  if (body.length === 0) return {};
  refuse(refuseContentType(header(request, 'content-type'), expects));
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new LambdaServiceError(
      'InvalidRequestContentException',
      `Could not parse request body into json: ${errorMessage(error)}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LambdaServiceError('InvalidRequestContentException', 'The request body must be a JSON object');
  }
  return parsed as Json;
}

export function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function maxItems(url: URL): number | undefined {
  const raw = url.searchParams.get('MaxItems');
  if (raw === null) return undefined;
  const value = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= 10_000)) {
    throw validationError('maxItems', raw, 'Member must be a whole number between 1 and 10000');
  }
  return value;
}

/** A %-encoded path segment; malformed encoding is the client's error, not the service's. */
export function decodeSegment(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidParameter(`The path segment ${JSON.stringify(text)} is not valid %-encoding.`);
  }
}
