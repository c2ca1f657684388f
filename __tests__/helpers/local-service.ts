import {
  CreateFunctionCommand,
  InvokeCommand,
  waitUntilFunctionActiveV2,
  type CreateFunctionCommandInput,
  type InvokeCommandOutput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { zipSync, type Zippable } from 'fflate';
import { createLambdaClient } from '../../src/lambda/client.js';
import { parseReportLines, type ReportMetrics } from '../../src/lambda/report-line.js';
import { startLocalLambda, type LocalLambda, type LocalLambdaOptions } from '../../src/local-lambda/service.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export interface TestService {
  readonly service: LocalLambda;
  readonly client: LambdaClient;
  close(): Promise<void>;
}

export async function startTestService(options: LocalLambdaOptions = {}, maxAttempts = 1): Promise<TestService> {
  const service = await startLocalLambda({ idleTimeoutMs: 60_000, ...options });
  const client = createLambdaClient({ region: 'us-east-1', endpoint: service.endpoint, maxAttempts });
  return {
    service,
    client,
    close: async () => {
      client.destroy();
      await service.stop();
    },
  };
}

/** A ZIP of text files; a file given as [text, mode] keeps that Unix mode. */
export function zipOf(files: Record<string, string | [string, number]>): Uint8Array {
  const entries: Zippable = {};
  for (const [name, file] of Object.entries(files)) {
    if (typeof file === 'string') entries[name] = Buffer.from(file);
    else entries[name] = [Buffer.from(file[0]), { os: 3, attrs: (0o100000 | file[1]) * 0x10000 }];
  }
  return zipSync(entries);
}

let counter = 0;
export const uniqueName = (prefix: string): string => `${prefix}-${process.pid}-${++counter}`;

export async function deploy(
  client: LambdaClient,
  files: Record<string, string | [string, number]>,
  settings: Partial<CreateFunctionCommandInput> = {},
): Promise<string> {
  const name = settings.FunctionName ?? uniqueName('fn');
  await client.send(
    new CreateFunctionCommand({
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/test',
      MemorySize: 512,
      Timeout: 10,
      ...settings,
      FunctionName: name,
      Code: { ZipFile: zipOf(files) },
    }),
  );
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 10, minDelay: 1 }, { FunctionName: name });
  return name;
}

export interface Invocation {
  readonly output: InvokeCommandOutput;
  readonly payload: string;
  readonly json: unknown;
  readonly log: string;
  readonly report: ReportMetrics;
}

export async function invoke(client: LambdaClient, name: string, event: unknown = {}, qualifier?: string): Promise<Invocation> {
  const output = await client.send(
    new InvokeCommand({
      FunctionName: name,
      Payload: Buffer.from(JSON.stringify(event)),
      LogType: 'Tail',
      ...(qualifier ? { Qualifier: qualifier } : {}),
    }),
  );
  const payload = Buffer.from(output.Payload ?? []).toString('utf8');
  const log = Buffer.from(output.LogResult ?? '', 'base64').toString('utf8');
  const [report] = parseReportLines(log);
  if (!report) throw new Error(`no REPORT line in log:\n${log}`);
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    json = undefined;
  }
  return { output, payload, json, log, report };
}
