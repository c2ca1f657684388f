import { UsageError } from '../errors.js';
import { isInfrastructureError } from '../lambda/infrastructure-error.js';
import type { FunctionSpec } from '../config/types.js';

/**
 * The configuration keys a setting Lambda refused most likely comes from, by what Lambda's
 * message names (its wording, not ours: a hint, so the key is said as "check", not as a verdict).
 */
const REFUSED_KEYS: readonly (readonly [RegExp, readonly string[]])[] = [
  [/unzip|zip|unzipped size|code size|package/i, ['candidate', 'baseline']],
  [/reserved keys|environment variables?/i, ['environment', 'variants']],
  [/role/i, ['role']],
  [/runtime/i, ['runtime']],
  [/handler/i, ['handler']],
  [/memory/i, ['memory']],
  [/timeout/i, ['timeout']],
  [/architecture/i, ['architectures']],
  [/layer|subnet|security group|vpc/i, ['template']],
];

/**
 * A setting Lambda refused (InvalidParameterValueException) after validation passed is the
 * configuration's mistake, not the platform's: exit 2, naming the function's key to check.
 * Any other error is returned as it is.
 */
export function refusedSetting(error: unknown, spec: FunctionSpec, index: number): unknown {
  if (!isInfrastructureError(error, 'invalid-parameter')) return error;
  const where = `functions[${index}]`;
  const keys = REFUSED_KEYS.find(([pattern]) => pattern.test(error.said ?? ''))?.[1];
  const check = keys ? keys.map((key) => `${where}.${key}`).join(' and ') : `the settings of ${where}`;
  return new UsageError(`${where} (${spec.name}): Lambda refused a setting: ${error.message}; check ${check}`);
}
