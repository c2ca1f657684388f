import { isIP } from 'node:net';

/**
 * Who the local service answers. It executes code for whoever reaches it, so it refuses what a
 * web page can make a browser send: anything with an `Origin` (browsers send one on every
 * cross-site POST and fetch), a Host that is not this service's own address or a loopback name
 * (DNS rebinding points a foreign name at 127.0.0.1), and the content types a page may post
 * without asking (text/plain, forms) where Lambda expects JSON.
 */
export type Refusal = {
  readonly status: 403 | 415;
  readonly type: 'AccessDeniedException' | 'UnsupportedMediaTypeException';
  readonly message: string;
};

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.', '127.0.0.1', '::1']);

/** Whether a bind address keeps the service to this machine. */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return LOOPBACK_NAMES.has(bare.toLowerCase()) || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** Splits `name:port`, `[v6]:port`, `name` or `[v6]` into its parts; undefined when malformed. */
function splitHost(value: string): { name: string; port?: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!match) return undefined;
  const name = (match[1] ?? '').replace(/^\[|\]$/g, '').toLowerCase();
  return match[2] === undefined ? { name } : { name, port: Number(match[2]) };
}

export interface HostCheck {
  /** The address the server is bound to, as `server.address()` gives it. */
  readonly boundAddress: string;
  readonly port: number;
}

/** Refuses browser origins and foreign Host names; undefined when the request may proceed. */
export function refuseForeignCaller(
  headers: { origin?: string | undefined; host?: string | undefined },
  bound: HostCheck,
): Refusal | undefined {
  if (headers.origin !== undefined) {
    return {
      status: 403,
      type: 'AccessDeniedException',
      message: `Requests from a browser origin (${headers.origin}) are refused: the local Lambda service runs code and answers only API clients.`,
    };
  }
  const host = headers.host === undefined ? undefined : splitHost(headers.host);
  const bare = bound.boundAddress.toLowerCase();
  const known =
    host !== undefined &&
    (isLoopbackAddress(host.name) ||
      host.name === bare ||
      (bare === '0.0.0.0' || bare === '::' ? isIP(host.name) !== 0 : false));
  if (!host || !known || (host.port !== undefined && host.port !== bound.port)) {
    return {
      status: 403,
      type: 'AccessDeniedException',
      message: `Host ${JSON.stringify(headers.host ?? '')} is not this service's address; use the endpoint it printed (a loopback name or ${bound.boundAddress}:${bound.port}).`,
    };
  }
  return undefined;
}

/** Content types a web page can post without a CORS preflight. */
const SIMPLE_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * Lambda's REST operations with a JSON body take `application/json`; CloudWatch Logs takes
 * `application/x-amz-json-1.1`; Invoke's payload goes as it is (the SDK says octet-stream, the CLI
 * says nothing), but never as one of the types a page can send.
 */
export function refuseContentType(
  contentType: string | undefined,
  expects: 'json' | 'logs-json' | 'payload',
): Refusal | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const refuse = (wanted: string): Refusal => ({
    status: 415,
    type: 'UnsupportedMediaTypeException',
    message: `Content-Type ${JSON.stringify(contentType ?? '')} is not accepted here; send ${wanted}.`,
  });
  if (expects === 'json')
    return type === 'application/json' || type === 'application/x-amz-json-1.1'
      ? undefined
      : refuse('application/json');
  if (expects === 'logs-json')
    return type === 'application/x-amz-json-1.1' || type === 'application/json'
      ? undefined
      : refuse('application/x-amz-json-1.1');
  return SIMPLE_TYPES.includes(type) ? refuse('application/octet-stream or application/json') : undefined;
}
