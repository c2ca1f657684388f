import { errorMessage } from '../errors.js';

/**
 * What went wrong with the platform, for code to branch on (never on the message's wording):
 * - `unreachable`: the endpoint did not answer (refused, unknown host, reset);
 * - `denied`: a permission is missing;
 * - `credentials`: the credentials themselves were refused;
 * - `not-found`: the resource does not exist (deleting it again is fine);
 * - `throttled`: throttled past all retries;
 * - `protocol`: the platform answered something the gate cannot read (no REPORT line);
 * - `invalid-parameter`: Lambda refused a setting (InvalidParameterValueException);
 * - `failed`: any other error the platform returned.
 */
export type InfrastructureErrorKind =
  'unreachable' | 'denied' | 'credentials' | 'not-found' | 'throttled' | 'protocol' | 'invalid-parameter' | 'failed';

/** A failure of the platform or its access, not of the code under test: exit code 3. */
export class InfrastructureError extends Error {
  constructor(
    readonly kind: InfrastructureErrorKind,
    message: string,
    /** What the platform itself said, where it said something. */
    readonly said?: string,
  ) {
    super(message);
    this.name = 'InfrastructureError';
  }
}

/** Whether `error` is an infrastructure error of one of `kinds`. */
export function isInfrastructureError(
  error: unknown,
  ...kinds: InfrastructureErrorKind[]
): error is InfrastructureError {
  return error instanceof InfrastructureError && (kinds.length === 0 || kinds.includes(error.kind));
}

interface AwsErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

/**
 * The one mapper from SDK errors to messages a person can act on, naming the permission or the
 * resource involved.
 */
export function describeAwsError(
  error: unknown,
  action: string,
  resource: string,
  endpoint?: string,
  service = 'lambda',
): InfrastructureError {
  const e = (error ?? {}) as AwsErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const code = e.code ?? (e.cause as AwsErrorShape | undefined)?.code ?? networkCodeIn(e.message);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ECONNRESET') {
    return new InfrastructureError(
      'unreachable',
      `cannot reach the Lambda endpoint${endpoint ? ` ${endpoint}` : ''} (${code}) during ${action}; is it running and reachable?`,
    );
  }
  // Refused credentials answer 403 too: name them before the status says "permission".
  if (
    e.name === 'UnrecognizedClientException' ||
    e.name === 'InvalidSignatureException' ||
    e.name === 'ExpiredTokenException' ||
    e.name === 'CredentialsProviderError'
  ) {
    return new InfrastructureError(
      'credentials',
      `AWS credentials were refused during ${service}:${action} (${e.name}); configure credentials, e.g. with aws-actions/configure-aws-credentials`,
    );
  }
  if (e.name === 'AccessDeniedException' || e.name === 'AccessDenied' || status === 403) {
    return new InfrastructureError(
      'denied',
      `permission denied: missing permission ${service}:${action} on ${resource} (${errorMessage(error)})`,
    );
  }
  if (e.name === 'ResourceNotFoundException')
    return new InfrastructureError(
      'not-found',
      `${resource} was not found during ${service}:${action} (${errorMessage(error)})`,
    );
  if (e.name === 'TooManyRequestsException')
    return new InfrastructureError(
      'throttled',
      `AWS kept throttling ${service}:${action} on ${resource} after retries; lower sampling.concurrency or retry later`,
    );
  return new InfrastructureError(
    e.name === 'InvalidParameterValueException' ? 'invalid-parameter' : 'failed',
    `${service}:${action} on ${resource} failed: ${e.name ? `${e.name}: ` : ''}${errorMessage(error)}`,
    errorMessage(error),
  );
}

/**
 * The socket error code in a message. The SDK wraps an error thrown from another realm (as under
 * jest's VM modules) into "AWS SDK error wrapper for Error: connect ECONNREFUSED ...", dropping its
 * `code`; this is the one place that reads a foreign error's text.
 */
function networkCodeIn(message: string | undefined): string | undefined {
  return /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET)\b/.exec(message ?? '')?.[1];
}

/** Errors worth retrying with backoff once the SDK's own attempts are spent. */
export function isRetryable(error: unknown): boolean {
  const e = (error ?? {}) as AwsErrorShape;
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    e.name === 'TooManyRequestsException' ||
    e.name === 'ServiceException' ||
    e.name === 'ResourceConflictException' ||
    status >= 500 ||
    status === 429
  );
}
