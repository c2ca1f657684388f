import { CreateFunctionCommand, waitUntilFunctionActiveV2, type LambdaClient } from '@aws-sdk/client-lambda';

/** What the benchmarks share: a median, and a function deployed to the local service. */

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export interface BenchFunction {
  readonly name: string;
  readonly zip: Uint8Array;
  readonly memoryMb: number;
  readonly handler?: string;
  readonly timeoutS?: number;
  readonly variables?: Record<string, string>;
}

/** Creates a nodejs20.x function and waits until it is Active. */
export async function deployBenchFunction(client: LambdaClient, fn: BenchFunction): Promise<string> {
  await client.send(
    new CreateFunctionCommand({
      FunctionName: fn.name,
      Runtime: 'nodejs20.x',
      Handler: fn.handler ?? 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/bench',
      MemorySize: fn.memoryMb,
      ...(fn.timeoutS ? { Timeout: fn.timeoutS } : {}),
      ...(fn.variables ? { Environment: { Variables: fn.variables } } : {}),
      Code: { ZipFile: fn.zip },
    }),
  );
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 10 }, { FunctionName: fn.name });
  return fn.name;
}
