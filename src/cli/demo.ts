import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  InvokeCommand,
  PublishVersionCommand,
  waitUntilFunctionActiveV2,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { createLambdaClient } from '../lambda/client.js';
import { parseReportLines, type ReportMetrics } from '../lambda/report-line.js';
import { zipDirectory } from '../lambda/zip-directory.js';
import { startLocalLambda } from '../local-lambda/service.js';
import { packageRoot } from '../package-root.js';

const COLD_BURST = 3;
const WARM_INVOCATIONS = 10;

async function invoke(client: LambdaClient, name: string, qualifier: string, payload: Buffer): Promise<ReportMetrics> {
  const result = await client.send(new InvokeCommand({ FunctionName: name, Qualifier: qualifier, Payload: payload, LogType: 'Tail' }));
  if (result.FunctionError) throw new Error(`the example failed: ${Buffer.from(result.Payload ?? []).toString('utf8')}`);
  const [report] = parseReportLines(Buffer.from(result.LogResult ?? '', 'base64').toString('utf8'));
  if (!report) throw new Error('the invocation log carried no REPORT line');
  return report;
}

function row(kind: string, report: ReportMetrics): string {
  const init = report.initDurationMs === undefined ? '' : report.initDurationMs.toFixed(1);
  return [kind.padEnd(5), report.durationMs.toFixed(2).padStart(9), init.padStart(9), String(report.billedDurationMs).padStart(7), String(report.maxMemoryUsedMb).padStart(5)].join('  ');
}

/** Deploys the bundled example on the embedded local service and prints what it reported. */
export async function runDemo(_args: string[]): Promise<number> {
  const root = packageRoot();
  const service = await startLocalLambda();
  const client = createLambdaClient({ region: 'us-east-1', endpoint: service.endpoint });
  const name = `lambda-perf-gate-demo-${randomBytes(4).toString('hex')}`;
  const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
  try {
    out(`Local Lambda service on ${service.endpoint}`);
    out(service.info().cpuThrottling.statement);
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/lambda-perf-gate-demo',
        MemorySize: 1024,
        Timeout: 10,
        Code: { ZipFile: zipDirectory(join(root, 'examples/orders/baseline')) },
      }),
    );
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 30 }, { FunctionName: name });
    const { Version: version } = await client.send(new PublishVersionCommand({ FunctionName: name }));
    out(`Deployed examples/orders/baseline as ${name}, version ${version}, 1024 MB`);
    const payload = readFileSync(join(root, 'examples/orders/events/small-order.json'));
    out();
    out('kind   Duration  Init ms  Billed  MaxMB');
    const cold = await Promise.all(Array.from({ length: COLD_BURST }, () => invoke(client, name, version!, payload)));
    for (const report of cold) out(row('cold', report));
    for (let i = 0; i < WARM_INVOCATIONS; i++) out(row('warm', await invoke(client, name, version!, payload)));
    return 0;
  } finally {
    await client.send(new DeleteFunctionCommand({ FunctionName: name })).catch(() => undefined);
    client.destroy();
    await service.stop();
  }
}
