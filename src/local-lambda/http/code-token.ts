import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AccessKey } from '../../model/access-key.js';

/**
 * The query that lets a code download through without a signature, as S3's presigned URL
 * does: an HMAC of the path under the service's key; none when the service requires no auth.
 */
export const codeToken = (accessKey: AccessKey | undefined, path: string): string =>
  accessKey ? `?token=${createHmac('sha256', accessKey.secretAccessKey).update(`code:${path}`).digest('hex')}` : '';

export const codeTokenValid = (accessKey: AccessKey | undefined, url: URL): boolean => {
  const expected = Buffer.from(codeToken(accessKey, url.pathname));
  const given = Buffer.from(`?token=${url.searchParams.get('token') ?? ''}`);
  return expected.length === given.length && timingSafeEqual(expected, given);
};
