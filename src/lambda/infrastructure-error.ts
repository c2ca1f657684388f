import { errorMessage } from '../errors.js';

/** A failure of the platform or its access, not of the code under test: exit code 3. */
export class InfrastructureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InfrastructureError';
  }
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
export function describeAwsError(error: unknown, action: string, resource: string, endpoint?: string, service = 'lambda'): InfrastructureError {
  const e = (error ?? {}) as AwsErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const code = e.code ?? (e.cause as AwsErrorShape | undefined)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ECONNRESET') {
    return new InfrastructureError(`cannot reach the Lambda endpoint${endpoint ? ` ${endpoint}` : ''} (${code}) during ${action}; is it running and reachable?`);
  }
  // Refused credentials come as 403 too: they are no missing permission.
  if (e.name === 'UnrecognizedClientException' || e.name === 'InvalidSignatureException' || e.name === 'ExpiredTokenException' || e.name === 'CredentialsProviderError') {
    return new InfrastructureError(`AWS credentials were refused during ${service}:${action} (${e.name}); configure credentials, e.g. with aws-actions/configure-aws-credentials`);
  }
  if (e.name === 'AccessDeniedException' || e.name === 'AccessDenied' || status === 403) {
    return new InfrastructureError(`permission denied: missing permission ${service}:${action} on ${resource} (${errorMessage(error)})`);
  }
  if (e.name === 'ResourceNotFoundException') return new InfrastructureError(`${resource} was not found during ${service}:${action} (${errorMessage(error)})`);
  if (e.name === 'TooManyRequestsException') return new InfrastructureError(`AWS kept throttling ${service}:${action} on ${resource} after retries; lower sampling.concurrency or retry later`);
  return new InfrastructureError(`${service}:${action} on ${resource} failed: ${e.name ? `${e.name}: ` : ''}${errorMessage(error)}`);
}

/** Errors worth retrying with backoff once the SDK's own attempts are spent. */
export function isRetryable(error: unknown): boolean {
  const e = (error ?? {}) as AwsErrorShape;
  const status = e.$metadata?.httpStatusCode ?? 0;
  return e.name === 'TooManyRequestsException' || e.name === 'ServiceException' || e.name === 'ResourceConflictException' || status >= 500 || status === 429;
}
