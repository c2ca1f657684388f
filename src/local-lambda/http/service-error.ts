/**
 * Errors the local service answers with, in Lambda's wire shape: the type travels in the
 * `x-amzn-ErrorType` header and the body is `{"Type": ..., "message": ...}`.
 */
export type LambdaErrorType =
  | 'ResourceNotFoundException'
  | 'ResourceConflictException'
  | 'InvalidParameterValueException'
  | 'ValidationException'
  | 'InvalidRequestContentException'
  | 'RequestTooLargeException'
  | 'RequestEntityTooLargeException'
  | 'PreconditionFailedException'
  | 'TooManyRequestsException'
  | 'ServiceException'
  | 'UnknownOperationException'
  | 'UnsupportedMediaTypeException'
  | 'AccessDeniedException'
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'UnrecognizedClientException'
  | 'InvalidSignatureException';

const STATUS: Record<LambdaErrorType, number> = {
  ResourceNotFoundException: 404,
  ResourceConflictException: 409,
  InvalidParameterValueException: 400,
  ValidationException: 400,
  InvalidRequestContentException: 400,
  RequestTooLargeException: 413,
  RequestEntityTooLargeException: 413,
  PreconditionFailedException: 412,
  TooManyRequestsException: 429,
  ServiceException: 500,
  UnknownOperationException: 404,
  UnsupportedMediaTypeException: 415,
  AccessDeniedException: 403,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
};

export class LambdaServiceError extends Error {
  readonly status: number;
  constructor(
    readonly type: LambdaErrorType,
    message: string,
    readonly extraBody: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = STATUS[type];
  }

  body(): string {
    const fault = this.status >= 500 ? 'Service' : 'User';
    // ResourceNotFound and ServiceException spell the field with a capital M on the wire.
    const messageKey =
      this.type === 'ResourceNotFoundException' || this.type === 'ServiceException' ? 'Message' : 'message';
    return JSON.stringify({ Type: fault, [messageKey]: this.message, ...this.extraBody });
  }
}

export const notFound = (what: string): LambdaServiceError => new LambdaServiceError('ResourceNotFoundException', what);

export const invalidParameter = (message: string): LambdaServiceError =>
  new LambdaServiceError('InvalidParameterValueException', message);

export const conflict = (message: string): LambdaServiceError =>
  new LambdaServiceError('ResourceConflictException', message);

/** The constraint wording AWS's request validation uses. */
export function validationError(field: string, value: unknown, constraint: string): LambdaServiceError {
  return new LambdaServiceError(
    'ValidationException',
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}
