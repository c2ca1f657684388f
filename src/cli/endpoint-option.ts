import { endpointProblem } from '../config/endpoint.js';
import { AWS_REGION_PATTERN, REGION_PROBLEM } from '../config/schema.js';
import { UsageError } from '../errors.js';

/** The --endpoint flag, refused for what the file's endpoint key is refused for, naming the flag. */
export function endpointOption(value: string | undefined): string | undefined {
  const problem = value === undefined ? undefined : endpointProblem(value);
  if (problem) throw new UsageError(`--endpoint: ${JSON.stringify(value)} ${problem}`);
  return value;
}

/** The --region flag, refused as the file's region key is, naming the flag rather than the file. */
export function regionOption(value: string): string {
  if (!AWS_REGION_PATTERN.test(value))
    throw new UsageError(`--region: ${REGION_PROBLEM} (got ${JSON.stringify(value)})`);
  return value;
}
