import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccessKey } from '../../model/access-key.js';

/**
 * AWS Signature Version 4, the verifying side, for the local service's `requireAuth` mode.
 * node:crypto has all it takes (SHA-256, HMAC, a constant-time compare); the rest is the
 * canonical form, which the SDK and botocore build the same way for a REST or JSON service.
 */

type AuthFailureType =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException';

export interface AuthFailure {
  readonly type: AuthFailureType;
  readonly message: string;
}

export interface SignedRequest {
  readonly method: string;
  /** The request target as it arrived: path and query, still %-encoded. */
  readonly target: string;
  /** Node's `rawHeaders`: name, value, name, value... */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS refuses a signature whose time is more than 5 minutes off. */
const MAX_SKEW_MS = 5 * 60 * 1000;

/** A fresh key for one service run: an id shaped like AWS's and a 40-character secret. */
export function generateAccessKey(): AccessKey {
  return {
    accessKeyId: `LPGL${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 escaping as the SDK's escapeUri and botocore's quote(safe='-_.~') do it. */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The canonical URI: the path as sent (already encoded once) with dot segments resolved, encoded
 * again. The SDK also drops empty segments and botocore keeps them, so both forms are offered.
 */
function canonicalPaths(path: string): string[] {
  const resolve = (dropEmpty: boolean): string => {
    const segments: string[] = [];
    const parts = path.split('/').slice(1);
    for (const part of parts) {
      if (part === '.' || (dropEmpty && part === '')) continue;
      if (part === '..') segments.pop();
      else segments.push(part);
    }
    const trailing = dropEmpty && segments.length > 0 && path.endsWith('/') ? '/' : '';
    return escapeUri(`/${segments.join('/')}${trailing}`).replace(/%2F/g, '/');
  };
  return [...new Set([resolve(true), resolve(false)])];
}

function canonicalQuery(query: string): string {
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    if (!part) continue;
    const at = part.indexOf('=');
    const key = decodeURIComponent(at < 0 ? part : part.slice(0, at));
    const value = at < 0 ? '' : decodeURIComponent(part.slice(at + 1));
    if (key === 'X-Amz-Signature') continue;
    pairs.push([escapeUri(key), escapeUri(value)]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([key, value]) => `${key}=${value}`).join('&');
}

function headerValues(rawHeaders: readonly string[]): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const list = values.get(name) ?? [];
    list.push((rawHeaders[i + 1] ?? '').trim().replace(/\s+/g, ' '));
    values.set(name, list);
  }
  return values;
}

function parseAuthorization(
  value: string,
): { credential: string; signedHeaders: string; signature: string } | undefined {
  if (!value.startsWith(`${ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(',')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) return undefined;
  return { credential, signedHeaders, signature };
}

/** `20261123T133011Z` as epoch milliseconds, or NaN. */
function parseAmzDate(value: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return Number.NaN;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

const incomplete = (message: string): AuthFailure => ({ type: 'IncompleteSignatureException', message });

/** What a signature must be scoped to: the region the service answers for, and the service it is (`lambda`, `logs`). */
export interface SigningScope {
  readonly region: string;
  readonly service: string;
}

/**
 * Checks a request's SigV4 signature (the Authorization header form the SDK and the AWS CLI
 * send) against the one key this service accepts and the scope it answers for. Returns why it
 * fails, or undefined.
 */
export function verifySignature(
  request: SignedRequest,
  key: AccessKey,
  expected: SigningScope,
  now: number = Date.now(),
): AuthFailure | undefined {
  const headers = headerValues(request.rawHeaders);
  const authorization = headers.get('authorization')?.[0];
  if (!authorization) return { type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const parsed = parseAuthorization(authorization);
  if (!parsed)
    return incomplete(`Authorization header requires ${ALGORITHM} with Credential, SignedHeaders and Signature.`);
  const scope = parsed.credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request')
    return incomplete(`Credential must be <key>/<date>/<region>/<service>/aws4_request, got ${parsed.credential}`);
  const [accessKeyId, day, region, service] = scope as [string, string, string, string, string];
  if (accessKeyId !== key.accessKeyId)
    return { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  // A signature for another region or service is not one for this service (AWS refuses it too).
  if (region !== expected.region)
    return {
      type: 'InvalidSignatureException',
      message: `Credential should be scoped to a valid region: this service answers for ${expected.region}, not ${JSON.stringify(region)}.`,
    };
  if (service !== expected.service)
    return {
      type: 'InvalidSignatureException',
      message: `Credential should be scoped to correct service: '${expected.service}', not ${JSON.stringify(service)}.`,
    };
  const signedNames = parsed.signedHeaders.split(';');
  if (!signedNames.includes('host')) return incomplete("'Host' must be a signed header.");
  const amzDate = headers.get('x-amz-date')?.[0] ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (Number.isNaN(signedAt))
    return incomplete('Authorization requires an X-Amz-Date header of the form YYYYMMDDTHHMMSSZ.');
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
    return {
      type: 'InvalidSignatureException',
      message: `Signature expired: ${amzDate} is more than 5 minutes from the service's time.`,
    };
  }
  if (!amzDate.startsWith(day))
    return {
      type: 'InvalidSignatureException',
      message: `Credential date ${day} does not match X-Amz-Date ${amzDate}.`,
    };

  const queryAt = request.target.indexOf('?');
  const path = queryAt < 0 ? request.target : request.target.slice(0, queryAt);
  let query: string;
  try {
    query = canonicalQuery(queryAt < 0 ? '' : request.target.slice(queryAt + 1));
  } catch {
    return { type: 'InvalidSignatureException', message: 'The query string is not valid %-encoding.' };
  }
  const bodyHash = sha256Hex(request.body);
  const declaredHash = headers.get('x-amz-content-sha256')?.[0];
  // An unsigned payload would let the body be swapped after signing: only a request without one may say so.
  if (declaredHash === 'UNSIGNED-PAYLOAD' && request.body.length > 0)
    return {
      type: 'InvalidSignatureException',
      message:
        'x-amz-content-sha256 UNSIGNED-PAYLOAD is refused for a request with a body: sign the body (its SHA-256).',
    };
  if (declaredHash !== undefined && declaredHash !== 'UNSIGNED-PAYLOAD' && declaredHash !== bodyHash) {
    return {
      type: 'InvalidSignatureException',
      message: 'The provided x-amz-content-sha256 header does not match what was computed.',
    };
  }
  const payloadHash = declaredHash ?? bodyHash;
  const canonicalHeaders = signedNames.map((name) => `${name}:${(headers.get(name) ?? []).join(',')}\n`).join('');
  const credentialScope = `${day}/${region}/${service}/aws4_request`;
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, day), region), service), 'aws4_request');
  const provided = Buffer.from(parsed.signature, 'utf8');
  for (const canonicalUri of canonicalPaths(path)) {
    const canonicalRequest = [
      request.method,
      canonicalUri,
      query,
      canonicalHeaders,
      parsed.signedHeaders,
      payloadHash,
    ].join('\n');
    const stringToSign = [ALGORITHM, amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
    const expected = Buffer.from(createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex'), 'utf8');
    if (expected.length === provided.length && timingSafeEqual(expected, provided)) return undefined;
  }
  return {
    type: 'InvalidSignatureException',
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
  };
}
