import type { IncomingMessage } from 'node:http';
import { errorMessage } from '../../errors.js';
import { MAX_ZIP_UPLOAD_BYTES } from '../../zip-archive.js';
import { refuseContentType } from './request-guard.js';
import { invalidParameter, LambdaServiceError, validationError } from './service-error.js';
import { splitZipFile } from './zip-file-field.js';

/** An HTTP answer, whole: status, headers and body. */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

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

/**
 * The request body, or undefined past `limit`. A body that declares its length is read into one
 * buffer of that length, so an upload is not held twice over while its chunks are joined.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length']);
  if (!(Number.isSafeInteger(declared) && declared >= 0 && declared <= limit))
    return new Promise((resolve) => readLimited(request, limit, resolve));
  const body = Buffer.allocUnsafe(declared);
  let size = 0;
  return new Promise((resolve) => {
    request.on('data', (chunk: Buffer) => {
      // The HTTP parser delivers no more than the declared length; this only guards the copy.
      size += chunk.copy(body, size);
    });
    // An aborted request has nobody left to answer, so only a complete one resolves.
    request.on('end', () => resolve(body.subarray(0, size)));
  });
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

/**
 * A request that uploads a package, its `ZipFile` (under the objects named by `path`) already
 * decoded into a Buffer where the body has the usual shape, without a string of it in between.
 */
export function readUpload(request: IncomingMessage, body: Buffer | undefined, path: readonly string[]): Json {
  const split = body?.length ? splitZipFile(body, path) : undefined;
  if (!split) return readJson(request, body);
  const parsed = readJson(request, split.rest);
  let holder: unknown = parsed;
  for (const key of path) holder = typeof holder === 'object' && holder !== null ? (holder as Json)[key] : undefined;
  // An empty value is the one taken out; a later duplicate key would have won in JSON.parse.
  if (typeof holder === 'object' && holder !== null && (holder as Json).ZipFile === '')
    (holder as Json).ZipFile = split.zip;
  return parsed;
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

/** Reads a body up to `limit` bytes; calls back with undefined when it is larger. */
export function readLimited(request: IncomingMessage, limit: number, done: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) over = true;
    else chunks.push(chunk);
  });
  // An aborted request has nobody left to answer, so only a complete one calls back.
  request.on('end', () => done(over ? undefined : Buffer.concat(chunks)));
}
