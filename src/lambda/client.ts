import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { TOOL_VERSION } from '../package-root.js';
import type { AccessKey } from '../model/access-key.js';

export interface ClientOptions {
  readonly region: string;
  /** Any Lambda-compatible endpoint, such as the local service. */
  readonly endpoint?: string;
  /** SDK attempts per call, its own retries included; the SDK backs off on 429 and 5xx. */
  readonly maxAttempts?: number;
  /** The key of a local service started with `requireAuth` at `endpoint`: calls sign with it. */
  readonly localKey?: AccessKey;
}

const USER_AGENT: [string, string] = ['lambda-perf-gate', TOOL_VERSION];

function isLoopback(endpoint: string): boolean {
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]';
}

/**
 * Whether calls to this endpoint sign with placeholder credentials: a loopback endpoint (the
 * local service, which checks none) and no credentials in the environment.
 */
export function usesPlaceholderCredentials(endpoint: string | undefined): boolean {
  const hasCredentials = Boolean(
    process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE || process.env.AWS_WEB_IDENTITY_TOKEN_FILE,
  );
  return endpoint !== undefined && isLoopback(endpoint) && !hasCredentials;
}

/** Settings both clients share: region, endpoint, retries, user agent, local credentials. */
function sharedSettings(options: ClientOptions) {
  const { localKey } = options;
  return {
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: 'standard',
    customUserAgent: [USER_AGENT],
    ...(localKey
      ? { credentials: { accessKeyId: localKey.accessKeyId, secretAccessKey: localKey.secretAccessKey } }
      : usesPlaceholderCredentials(options.endpoint)
        ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {}),
  };
}

/**
 * The one place Lambda clients are built. Against a local service started with `requireAuth` it
 * signs with the key it is given; against another loopback endpoint without
 * credentials in the environment, with placeholders.
 */
export function createLambdaClient(options: ClientOptions): LambdaClient {
  return new LambdaClient(sharedSettings(options));
}

/** CloudWatch Logs, for the REPORT lines of integration traffic; the same endpoint serves both locally. */
export function createLogsClient(options: ClientOptions): CloudWatchLogsClient {
  return new CloudWatchLogsClient(sharedSettings(options));
}
