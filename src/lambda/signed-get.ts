import { createHash, createHmac } from 'node:crypto';
import type { AccessKey } from '../model/access-key.js';

const sha256Hex = (data: string): string => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * The SigV4 headers for a GET of a plain path (letters, digits, `/-_.~`, no query) with no body,
 * such as the local service's `/local/info`, which no SDK operation asks for. Anything else goes
 * through an SDK client, which signs by itself.
 */
export function signedGetHeaders(
  url: URL,
  key: AccessKey,
  scope: { readonly region: string; readonly service: string },
  now: Date = new Date(),
): Record<string, string> {
  if (url.search !== '' || !/^[A-Za-z0-9/_.~-]*$/.test(url.pathname))
    throw new Error(`signedGetHeaders signs plain paths only, not ${url.pathname}${url.search}`);
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = sha256Hex('');
  const signedHeaders = 'host;x-amz-content-sha256;x-amz-date';
  const canonicalRequest = [
    'GET',
    url.pathname || '/',
    '',
    `host:${url.host}\nx-amz-content-sha256:${payloadHash}\nx-amz-date:${amzDate}\n`,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, day), scope.region), scope.service),
    'aws4_request',
  );
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
  return {
    'x-amz-date': amzDate,
    'x-amz-content-sha256': payloadHash,
    authorization: `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
