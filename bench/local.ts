// Figures for the local Lambda service: warm invoke overhead, cold-start overhead and warm
// throughput, as medians over repeated runs in one process. Targets on a 2-core machine:
// <= 1 ms warm overhead, <= 25 ms cold overhead, >= 1,000 warm invocations a second.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { zipSync } from 'fflate';
import { createLambdaClient } from '../src/lambda/client.js';
import { parseReportLines } from '../src/lambda/report-line.js';
import { startLocalLambda } from '../src/local-lambda/service.js';
import { deployBenchFunction, median } from './support.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const WARM_SAMPLES = 1000;
const COLD_SAMPLES = 25;
const THROUGHPUT_SECONDS = 3;
// 1,769 MB buys one full vCPU, so a throttled environment is comparable to a bare node process.
const MEMORY_MB = 1769;
const NOOP = zipSync({ 'index.js': Buffer.from('exports.handler = async () => null;') });

const quantile = (values: number[], q: number): number =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

const deploy = (client: LambdaClient, name: string): Promise<string> =>
  deployBenchFunction(client, { name, zip: NOOP, memoryMb: MEMORY_MB });

async function timedInvoke(
  client: LambdaClient,
  name: string,
): Promise<{ wallMs: number; durationMs: number; initMs: number | undefined }> {
  const started = performance.now();
  const result = await client.send(new InvokeCommand({ FunctionName: name, LogType: 'Tail' }));
  const wallMs = performance.now() - started;
  const [report] = parseReportLines(Buffer.from(result.LogResult ?? '', 'base64').toString());
  if (!report || result.FunctionError) throw new Error('bench invocation failed');
  return { wallMs, durationMs: report.durationMs, initMs: report.initDurationMs };
}

/** The same invocation over plain keep-alive HTTP, to show what the SDK client itself adds. */
function rawInvoke(endpoint: URL, agent: Agent, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        host: endpoint.hostname,
        port: endpoint.port,
        method: 'POST',
        path: `/2015-03-31/functions/${name}/invocations`,
        agent,
        headers: { 'x-amz-log-type': 'Tail', 'content-length': 2 },
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          const wallMs = performance.now() - started;
          const [report] = parseReportLines(
            Buffer.from(String(response.headers['x-amz-log-result']), 'base64').toString(),
          );
          if (!report) reject(new Error('no REPORT line'));
          else resolve(wallMs - report.durationMs);
        });
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

function bareNodeStartMs(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore', env: { PATH: process.env.PATH ?? '' } });
    child.on('error', reject);
    child.on('exit', () => resolve(performance.now() - started));
  });
}

async function coldFigures(throttle: boolean, bareMedian: number): Promise<void> {
  const service = await startLocalLambda({ idleTimeoutMs: 600_000, cpuThrottle: throttle });
  const client = createLambdaClient({ region: 'us-east-1', endpoint: service.endpoint });
  try {
    const names = Array.from({ length: COLD_SAMPLES }, (_, i) => `cold-${i}`);
    for (const name of names) await deploy(client, name);
    const wall: number[] = [];
    const init: number[] = [];
    for (const name of names) {
      const result = await timedInvoke(client, name);
      wall.push(result.wallMs);
      init.push(result.initMs ?? Number.NaN);
    }
    const label = service.info().cpuThrottling.enabled ? 'CPU throttled to 1 vCPU' : 'CPU not throttled';
    console.log(
      `cold start (${label}), n=${COLD_SAMPLES}: SDK round trip median ${median(wall).toFixed(1)} ms (Init Duration median ${median(init).toFixed(1)} ms); overhead above bare node ${(median(wall) - bareMedian).toFixed(1)} ms  [target <= 25 ms]`,
    );
  } finally {
    client.destroy();
    await service.stop();
  }
}

const service = await startLocalLambda({ idleTimeoutMs: 600_000 });
const client = createLambdaClient({ region: 'us-east-1', endpoint: service.endpoint });
try {
  console.log(`lambda-perf-gate local service bench (node ${process.version}, ${MEMORY_MB} MB functions)`);
  console.log(service.info().cpuThrottling.statement);

  await deploy(client, 'warm');
  for (let i = 0; i < 50; i++) await timedInvoke(client, 'warm');
  const overhead: number[] = [];
  const handler: number[] = [];
  for (let i = 0; i < WARM_SAMPLES; i++) {
    const { wallMs, durationMs } = await timedInvoke(client, 'warm');
    overhead.push(wallMs - durationMs);
    handler.push(durationMs);
  }
  console.log(
    `warm invoke overhead (SDK round trip - REPORT Duration), n=${WARM_SAMPLES}: median ${median(overhead).toFixed(3)} ms, p90 ${quantile(overhead, 0.9).toFixed(3)} ms (handler Duration median ${median(handler).toFixed(3)} ms)  [target <= 1 ms]`,
  );
  const agent = new Agent({ keepAlive: true });
  const rawOverhead: number[] = [];
  for (let i = 0; i < WARM_SAMPLES; i++) rawOverhead.push(await rawInvoke(new URL(service.endpoint), agent, 'warm'));
  agent.destroy();
  console.log(
    `  of which the service (plain HTTP round trip - REPORT Duration), n=${WARM_SAMPLES}: median ${median(rawOverhead).toFixed(3)} ms; the rest is the SDK client's own work`,
  );

  for (const loops of [1, 2]) {
    let count = 0;
    const until = performance.now() + THROUGHPUT_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: loops }, async () => {
        while (performance.now() < until) {
          await client.send(new InvokeCommand({ FunctionName: 'warm' }));
          count++;
        }
      }),
    );
    console.log(
      `warm no-op throughput, ${loops} client loop(s) over ${THROUGHPUT_SECONDS} s: ${(count / THROUGHPUT_SECONDS).toFixed(0)} invocations/s  [target >= 1,000]`,
    );
  }
} finally {
  client.destroy();
  await service.stop();
}

const bare: number[] = [];
for (let i = 0; i < COLD_SAMPLES; i++) bare.push(await bareNodeStartMs());
console.log(`bare \`node -e ""\` process start to exit, n=${COLD_SAMPLES}: median ${median(bare).toFixed(1)} ms`);
// A bare node process is not throttled, so the unthrottled figure is the like-for-like one;
// the throttled one adds what a 1-vCPU quota costs Node's multi-threaded start-up.
await coldFigures(false, median(bare));
await coldFigures(true, median(bare));
