import type { Build } from './sample.js';

/**
 * Variables Lambda sets itself: CreateFunction and UpdateFunctionConfiguration refuse a function
 * whose environment names any of them (InvalidParameterValueException).
 */
export const RESERVED_VARIABLES: ReadonlySet<string> = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

/** Lambda's limit on a synchronous invocation's payload. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** Lambda's limit on a function's environment variables: 4 KB of names and values in all. */
export const VARIABLES_LIMIT_BYTES = 4096;

/** What a function's variables count toward Lambda's limit: the bytes of every name and value. */
export function variablesBytes(variables: Readonly<Record<string, string>>): number {
  return Object.entries(variables).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  );
}

/**
 * The variables the gate sets on every version it publishes, beside the function's own. They also
 * keep identical builds (an A/A run) on distinct functions and versions, so each gets its own environments.
 * A duet function's build is `duet`; its dispatcher sets the variable to the build it calls.
 */
export function gateVariables(build: Build | 'duet', variantId: string, label: string): Record<string, string> {
  return {
    LAMBDA_PERF_GATE_BUILD: build,
    LAMBDA_PERF_GATE_VARIANT: variantId,
    LAMBDA_PERF_GATE_ENVIRONMENT: label,
  };
}

/** The names of the gate's variables: set in a function's environment, they would be overwritten unseen. */
export const GATE_VARIABLE_NAMES: ReadonlySet<string> = new Set(Object.keys(gateVariables('baseline', '', '')));
