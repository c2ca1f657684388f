import { endpointProblem } from '../config/endpoint.js';
import { UsageError } from '../errors.js';

/** The --endpoint flag, refused for what the file's endpoint key is refused for, naming the flag. */
export function endpointOption(value: string | undefined): string | undefined {
  const problem = value === undefined ? undefined : endpointProblem(value);
  if (problem) throw new UsageError(`--endpoint: ${JSON.stringify(value)} ${problem}`);
  return value;
}
