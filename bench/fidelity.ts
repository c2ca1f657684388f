// How closely the local service behaves like Lambda where it changes a verdict or a bill: CPU in
// a ~20 ms quota period with a fresh quota per invocation, INIT not throttled by memory, work left
// behind after the response billed, and no timer running while an environment is idle.
// Prints one table with the targets of issue 10 beside each figure. Long (about 3 minutes): the
// 1.5 s handler takes 20 s an invocation at 128 MB.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { zipSync } from 'fflate';
import { availableParallelism } from 'node:os';
import { createLambdaClient } from '../src/lambda/client.js';
import { parseReportLines, type ReportMetrics } from '../src/lambda/report-line.js';
import { startLocalLambda } from '../src/local-lambda/service.js';
import { deployBenchFunction, median } from './support.js';
import { MB_PER_VCPU } from '../src/local-lambda/host/cpu-throttle.js';
import { quotaTimeNs } from '../src/local-lambda/host/model-clock.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const MEMORY_SIZES = [128, 256, 512, 1024, 1769];
const SHORT_SAMPLES = 21;
const LONG_SAMPLES = 3;
const COLD_SAMPLES = 5;
const LEFT_BEHIND_MS = 200;
const IDLE_MS = 3000;

// One fixed loop, the same in the bench process (to calibrate) and in the function.
const SPIN_SOURCE =
  'function spin(n) { let h = 1; for (let i = 0; i < n; i++) h = Math.imul(h ^ i, 16777619); return h; }';
const spin = new Function(`${SPIN_SOURCE}; return spin;`)() as (n: number) => number;

const FILES: Record<string, string> = {
  'spin.js': `${SPIN_SOURCE}\nexports.handler = async (event) => { const started = performance.now(); spin(event.n); return performance.now() - started; };`,
  'init.js': `${SPIN_SOURCE}\nspin(Number(process.env.INIT_N));\nexports.handler = async () => null;`,
  'behind.js': `${SPIN_SOURCE}\nexports.handler = async (event) => { setImmediate(() => spin(event.n)); return null; };`,
  'ticks.js': [
    'const ticks = [];',
    'let timer;',
    'exports.handler = async () => {',
    '  timer ??= setInterval(() => ticks.push(Date.now()), 10);',
    '  return ticks.splice(0);',
    '};',
  ].join('\n'),
};
const ZIP = zipSync(Object.fromEntries(Object.entries(FILES).map(([name, text]) => [name, Buffer.from(text)])));

/** Iterations of the loop that take `ms` of one CPU in this process (median of a few timed runs). */
function calibrate(ms: number): number {
  const probe = 2_000_000;
  spin(probe * 5);
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const started = performance.now();
    spin(probe);
    times.push(performance.now() - started);
  }
  return Math.round((probe * ms) / median(times));
}

/** Lambda's CPU model for `workMs` of one thread's CPU at a size (src/local-lambda/host/model-clock.ts). */
const modelDurationMs = (workMs: number, memoryMb: number): number =>
  quotaTimeNs(workMs * 1e6, memoryMb / MB_PER_VCPU, 1) / 1e6;

let counter = 0;
const deploy = (
  client: LambdaClient,
  handler: string,
  memoryMb: number,
  variables: Record<string, string> = {},
): Promise<string> =>
  deployBenchFunction(client, { name: `fidelity-${++counter}`, zip: ZIP, handler, memoryMb, timeoutS: 60, variables });

async function run(
  client: LambdaClient,
  name: string,
  event: object = {},
): Promise<{ report: ReportMetrics; payload: string }> {
  const result = await client.send(
    new InvokeCommand({ FunctionName: name, LogType: 'Tail', Payload: Buffer.from(JSON.stringify(event)) }),
  );
  const [report] = parseReportLines(Buffer.from(result.LogResult ?? '', 'base64').toString());
  if (!report || result.FunctionError)
    throw new Error(`bench invocation of ${name} failed: ${Buffer.from(result.Payload ?? []).toString()}`);
  return { report, payload: Buffer.from(result.Payload ?? []).toString() };
}

async function medianWarmDuration(client: LambdaClient, memoryMb: number, n: number, samples: number): Promise<number> {
  const name = await deploy(client, 'spin.handler', memoryMb);
  await run(client, name, { n: 1000 });
  const durations: number[] = [];
  for (let i = 0; i < samples; i++) durations.push((await run(client, name, { n })).report.durationMs);
  return median(durations);
}

const rows: string[][] = [];
const row = (figure: string, local: string, model: string, target: string, met: boolean | undefined): void => {
  rows.push([figure, local, model, target, met === undefined ? '' : met ? 'yes' : 'NO']);
};

const service = await startLocalLambda({ idleTimeoutMs: 600_000 });
const client = createLambdaClient({ region: 'us-east-1', endpoint: service.endpoint });
try {
  const info = service.info();
  console.log(`lambda-perf-gate fidelity bench (node ${process.version}, ${availableParallelism()} CPUs)`);
  console.log(JSON.stringify(info, null, 2));

  // The handler's own work is what the figures are about, so the loop is sized where it runs:
  // inside a function at 1,769 MB (one full CPU), timed by the handler itself.
  const calibration = await deploy(client, 'spin.handler', 1769);
  const probeN = calibrate(5);
  const inside: number[] = [];
  for (let i = 0; i < 15; i++) inside.push(Number((await run(client, calibration, { n: probeN })).payload));
  const perMs = probeN / median(inside.slice(5));
  const shortN = Math.round(perMs * 5);
  const longN = Math.round(perMs * 1500);
  console.log(
    `calibration: ${Math.round(perMs)} iterations per ms inside a function (${Math.round(probeN / 5)} in this process)`,
  );
  const short = new Map<number, number>();
  for (const memory of MEMORY_SIZES) short.set(memory, await medianWarmDuration(client, memory, shortN, SHORT_SAMPLES));
  for (const memory of MEMORY_SIZES) {
    const local = short.get(memory)!;
    row(
      `5 ms handler, median Duration at ${memory} MB (n=${SHORT_SAMPLES})`,
      `${local.toFixed(1)} ms`,
      `${modelDurationMs(5, memory).toFixed(1)} ms`,
      '',
      undefined,
    );
  }
  const ratio = short.get(512)! / short.get(1769)!;
  row(
    '5 ms handler, median at 512 MB / median at 1769 MB',
    ratio.toFixed(2),
    (modelDurationMs(5, 512) / modelDurationMs(5, 1769)).toFixed(2),
    '<= 1.5',
    ratio <= 1.5,
  );

  for (const memory of MEMORY_SIZES) {
    const local = await medianWarmDuration(client, memory, longN, LONG_SAMPLES);
    const model = modelDurationMs(1500, memory);
    const off = local / model - 1;
    row(
      `1.5 s handler, median Duration at ${memory} MB (n=${LONG_SAMPLES})`,
      `${local.toFixed(0)} ms`,
      `${model.toFixed(0)} ms`,
      'within 15% of model',
      Math.abs(off) <= 0.15,
    );
  }

  const initMedians = new Map<number, number>();
  for (const memory of [128, 1769]) {
    const inits: number[] = [];
    for (let i = 0; i < COLD_SAMPLES; i++) {
      const name = await deploy(client, 'init.handler', memory, { INIT_N: String(calibrate(30)) });
      inits.push((await run(client, name)).report.initDurationMs ?? Number.NaN);
    }
    initMedians.set(memory, median(inits));
    row(
      `Init Duration (30 ms of CPU at load) at ${memory} MB (n=${COLD_SAMPLES})`,
      `${median(inits).toFixed(0)} ms`,
      '',
      '',
      undefined,
    );
  }
  const initRatio = initMedians.get(128)! / initMedians.get(1769)!;
  row('Init Duration at 128 MB / at 1769 MB', initRatio.toFixed(2), '', '<= 2', initRatio <= 2);

  const behind = await deploy(client, 'behind.handler', 1769);
  await run(client, behind, { n: 1000 });
  const behindDurations: number[] = [];
  for (let i = 0; i < 5; i++)
    behindDurations.push((await run(client, behind, { n: calibrate(LEFT_BEHIND_MS) })).report.durationMs);
  const counted = median(behindDurations) / LEFT_BEHIND_MS;
  row(
    `Duration of a handler leaving ${LEFT_BEHIND_MS} ms of work behind (1769 MB, n=5)`,
    `${median(behindDurations).toFixed(0)} ms (${(counted * 100).toFixed(0)}%)`,
    `${LEFT_BEHIND_MS} ms`,
    '>= 80% counted',
    counted >= 0.8,
  );

  const ticker = await deploy(client, 'ticks.handler', 512);
  await run(client, ticker);
  const idleStart = Date.now();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const idleEnd = Date.now();
  const ticks = JSON.parse((await run(client, ticker)).payload) as number[];
  const idleTicks = ticks.filter((at) => at > idleStart + 50 && at < idleEnd).length;
  row(`timer ticks (10 ms interval) while idle for ${IDLE_MS / 1000} s`, String(idleTicks), '0', '0', idleTicks === 0);
} finally {
  client.destroy();
  await service.stop();
}

const header = ['figure', 'local service', 'Lambda (model)', 'target', 'met'];
console.log(`\n| ${header.join(' | ')} |\n| ${header.map(() => '---').join(' | ')} |`);
for (const cells of rows) console.log(`| ${cells.join(' | ')} |`);
