import {
  CreateFunctionCommand,
  InvokeCommand,
  waitUntilFunctionActiveV2,
  type CreateFunctionCommandInput,
  type InvokeCommandOutput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';
import { zipSync, type Zippable } from 'fflate';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createLambdaClient } from '../../src/lambda/client.js';
import { parseReportLines, type ReportMetrics } from '../../src/lambda/report-line.js';
import { startLocalLambda, type LocalLambda, type LocalLambdaOptions } from '../../src/local-lambda/service.js';

export interface TestService {
  readonly service: LocalLambda;
  readonly client: LambdaClient;
  close(): Promise<void>;
}

export async function startTestService(options: LocalLambdaOptions = {}, maxAttempts = 1): Promise<TestService> {
  const service = await startLocalLambda({ idleTimeoutMs: 60_000, requireAuth: true, ...options });
  const client = createLambdaClient({
    region: 'us-east-1',
    endpoint: service.endpoint,
    ...(service.accessKey ? { localKey: service.accessKey } : {}),
    maxAttempts,
  });
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

export async function invoke(
  client: LambdaClient,
  name: string,
  event: unknown = {},
  qualifier?: string,
): Promise<Invocation> {
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

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 in the shape the SDK's signer takes (a hash, or an HMAC when given a secret). */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface RawRequest {
  readonly method?: string;
  /** Path and query, as they go on the wire. */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Sign with the service's key (the SDK's own signer); default true when the service has one. */
  readonly sign?: boolean;
  readonly service?: 'lambda' | 'logs';
  /** The region the signature is scoped to; the service's (us-east-1) by default. */
  readonly region?: string;
}

/** One request over real HTTP, signed the way the SDK signs, for what the SDK will not send. */
export async function rawRequest(service: LocalLambda, request: RawRequest): Promise<Response> {
  const url = new URL(request.path, service.endpoint);
  const method = request.method ?? 'GET';
  let headers: Record<string, string> = { host: url.host, ...request.headers };
  if (service.accessKey && request.sign !== false) {
    const signer = new SignatureV4({
      credentials: service.accessKey,
      region: request.region ?? 'us-east-1',
      service: request.service ?? 'lambda',
      sha256: NodeSha256,
    });
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const signed = await signer.sign({
      method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query,
      headers,
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    headers = signed.headers;
  }
  // node:http sends exactly these headers (fetch would add a Content-Type and fix Host).
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method, headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('error', reject);
      incoming.on('end', () => {
        const status = incoming.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(incoming.headers))
          if (typeof value === 'string') responseHeaders.set(name, value);
        resolve(new Response(status === 204 ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
      });
    });
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
