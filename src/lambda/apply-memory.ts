import {
  GetFunctionConfigurationCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import type { Architecture } from '../model/architecture.js';
import type { MemoryChange } from '../model/production.js';
import { describeAwsError } from './infrastructure-error.js';

/** What applying needs of a gate result: which function was measured, whether it failed, and the recommendation. */
export interface MemoryToApply {
  readonly measured: string;
  readonly failed: boolean;
  readonly recommended: { readonly memory: number; readonly architecture: Architecture; readonly why: string } | null;
}

/**
 * Sets a production function's memory to the recommendation, guarded by its RevisionId so a
 * concurrent change is not overwritten. Only the memory size changes; a recommendation for
 * another architecture or for a failing candidate is reported, not applied.
 */
export async function applyRecommendedMemory(
  client: LambdaClient,
  functionName: string,
  result: MemoryToApply,
  endpoint?: string,
): Promise<MemoryChange> {
  let current;
  try {
    current = await client.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  } catch (error) {
    throw describeAwsError(error, 'GetFunctionConfiguration', functionName, endpoint);
  }
  const from = current.MemorySize ?? 0;
  const recommended = result.recommended;
  const unchanged = (note: string, to = from): MemoryChange => ({
    function: functionName,
    from,
    to,
    applied: false,
    note,
  });
  if (!recommended) return unchanged('no recommendation was made');
  if (result.failed)
    return unchanged(`the gate failed for ${result.measured}; memory left at ${from} MB`, recommended.memory);
  if (!(current.Architectures ?? ['x86_64']).includes(recommended.architecture)) {
    return unchanged(
      `the recommendation is for ${recommended.architecture}; only the memory size is ever changed`,
      recommended.memory,
    );
  }
  if (from === recommended.memory) return unchanged(`already at the recommended ${from} MB`);
  try {
    await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: functionName,
        MemorySize: recommended.memory,
        RevisionId: current.RevisionId,
      }),
    );
    await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 300, minDelay: 1 }, { FunctionName: functionName });
  } catch (error) {
    throw describeAwsError(error, 'UpdateFunctionConfiguration', functionName, endpoint);
  }
  return {
    function: functionName,
    from,
    to: recommended.memory,
    applied: true,
    note: `memory changed from ${from} MB to ${recommended.memory} MB (${recommended.why})`,
  };
}
