// The local service's two clocks side by side: fixed-work handlers invoked 30 times in one
// environment each, at six memory sizes, on a quiet host and beside two CPU hogs (started and
// stopped here by pid). For each cell: the median Duration and the spread (SD of log Duration)
// within the environment; for the model clock, the targets of issue 18 beside the figures. The
// cold call and WARMUP warm calls (the JIT compiling the handler) come before the 30. Beside each
// cell: the spread of the handler's own CPU time for the same work, as the handler measured it:
// the host's floor, which no clock built on CPU time can go below.
// CLOCK_RUNS (default 30), CLOCK_SIZES (comma list), CLOCK_HANDLERS (comma list), CLOCK_CLOCKS.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { zipSync } from 'fflate';
import { createLambdaClient } from '../src/lambda/client.js';
import { parseReportLines } from '../src/lambda/report-line.js';
import { MB_PER_VCPU } from '../src/local-lambda/host/cpu-throttle.js';
import { quotaTimeNs, timelineNs } from '../src/local-lambda/host/model-clock.js';
import { startLocalLambda } from '../src/local-lambda/service.js';
import { deployBenchFunction, median } from './support.js';
import { startHogs } from './hogs.js';
import { THREAD_CPU_NS } from '../__tests__/helpers/thread-cpu.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const RUNS = Number(process.env.CLOCK_RUNS ?? 30);
const SIZES = (process.env.CLOCK_SIZES ?? '128,256,512,1024,1769,3008').split(',').map(Number);
const CLOCKS = (process.env.CLOCK_CLOCKS ?? 'model,wall').split(',') as ('model' | 'wall')[];

const WARMUP = Number(process.env.CLOCK_WARMUP ?? 5);
/** The CPUs the environments are bound to (the service's `environmentCpus`; `all` leaves them). */
const CPUS = process.env.CLOCK_CPUS;

// One fixed loop (a count of steps, never a time) and the CPU time of the thread that ran it,
// brought up to date by getrusage before schedstat is read.
const WORK = `
${THREAD_CPU_NS}
function spin(n) { let h = 1; for (let i = 0; i < n; i++) h = Math.imul(h ^ i, 16777619); return h; }
function timed(n) { const started = cpuNs(); spin(n); return cpuNs() - started; }
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
`;
const FILES: Record<string, string> = {
  'cpu.js': `${WORK}\nexports.handler = async (event) => ({ cpuNs: timed(event.n) });`,
  'timer.js': `${WORK}\nexports.handler = async () => { await sleep(100); return { cpuNs: 0, waitMs: 100 }; };`,
  'mixed.js': `${WORK}\nexports.handler = async (event) => { const a = timed(event.n); await sleep(50); return { cpuNs: a + timed(event.n), waitMs: 50 }; };`,
  'worker.js': `${WORK}
const { Worker } = require('node:worker_threads');
const worker = new Worker(WORK_SOURCE + "require('node:worker_threads').parentPort.on('message', (n) => require('node:worker_threads').parentPort.postMessage(timed(n)));", { eval: true });
exports.handler = (event) => new Promise((resolve) => { worker.once('message', (cpuNs) => resolve({ cpuNs })); worker.postMessage(event.n); });`.replace(
    'WORK_SOURCE',
    JSON.stringify(WORK),
  ),
};
const ZIP = zipSync(Object.fromEntries(Object.entries(FILES).map(([name, text]) => [name, Buffer.from(text)])));

interface Handler {
  readonly name: string;
  readonly file: string;
  /** CPU milliseconds per burst (the mixed handler has two). */
  readonly cpuMs: number;
  /** Only at these sizes. */
  readonly sizes?: readonly number[];
}
const HANDLERS: readonly Handler[] = [
  { name: '~3 ms CPU', file: 'cpu', cpuMs: 3 },
  { name: '~20 ms CPU', file: 'cpu', cpuMs: 20 },
  { name: '~5 ms CPU', file: 'cpu', cpuMs: 5, sizes: [256] },
  { name: '100 ms timer', file: 'timer', cpuMs: 0 },
  { name: 'mixed 10+50 ms wait+10', file: 'mixed', cpuMs: 10 },
  { name: '~20 ms CPU in a worker', file: 'worker', cpuMs: 20 },
].filter((h) => !process.env.CLOCK_HANDLERS || process.env.CLOCK_HANDLERS.split(',').includes(h.file));

const logSd = (values: readonly number[]): number => {
  const logs = values.map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  return Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (logs.length - 1));
};

let counter = 0;
const deploy = (client: LambdaClient, file: string, memoryMb: number): Promise<string> =>
  deployBenchFunction(client, {
    name: `clock-${++counter}`,
    zip: ZIP,
    handler: `${file}.handler`,
    memoryMb,
    timeoutS: 60,
  });

async function invoke(
  client: LambdaClient,
  name: string,
  event: object,
): Promise<{ durationMs: number; cpuNs: number; waitMs: number }> {
  const result = await client.send(
    new InvokeCommand({ FunctionName: name, LogType: 'Tail', Payload: Buffer.from(JSON.stringify(event)) }),
  );
  const [report] = parseReportLines(Buffer.from(result.LogResult ?? '', 'base64').toString());
  const payload = Buffer.from(result.Payload ?? []).toString();
  if (!report || result.FunctionError) throw new Error(`bench invocation of ${name} failed: ${payload}`);
  const { cpuNs, waitMs } = JSON.parse(payload) as { cpuNs: number; waitMs?: number };
  return { durationMs: report.durationMs, cpuNs, waitMs: waitMs ?? 0 };
}

interface Cell {
  readonly durations: number[];
  /** The handler's own CPU time per call, as it measured it (ms). */
  readonly cpuMs: number;
  readonly cpuSpread: number;
  readonly waitMs: number;
}

/** Steps of the loop per ms of CPU, measured inside a function at 1,769 MB by the handler itself. */
async function calibrate(client: LambdaClient): Promise<number> {
  const name = await deploy(client, 'cpu', 1769);
  const probe = 2_000_000;
  const perMs: number[] = [];
  for (let i = 0; i < 12; i++) perMs.push(probe / ((await invoke(client, name, { n: probe })).cpuNs / 1e6));
  return median(perMs.slice(2));
}

async function measure(clock: 'model' | 'wall', hogs: boolean, stepsPerMs: number): Promise<Map<string, Cell>> {
  const service = await startLocalLambda({
    clock,
    idleTimeoutMs: 600_000,
    ...(CPUS ? { environmentCpus: CPUS } : {}),
  });
  const client = createLambdaClient({ region: 'us-east-1', endpoint: service.endpoint });
  const running = hogs ? startHogs() : undefined;
  const cells = new Map<string, Cell>();
  try {
    for (const handler of HANDLERS) {
      for (const memoryMb of handler.sizes ?? SIZES) {
        const name = await deploy(client, handler.file, memoryMb);
        const event = { n: Math.round(handler.cpuMs * stepsPerMs) };
        for (let i = 0; i <= WARMUP; i++) await invoke(client, name, event);
        const calls = [];
        for (let i = 0; i < RUNS; i++) calls.push(await invoke(client, name, event));
        cells.set(`${handler.name}@${memoryMb}`, {
          durations: calls.map((c) => c.durationMs),
          cpuMs: median(calls.map((c) => c.cpuNs)) / 1e6,
          cpuSpread: handler.cpuMs > 0 ? logSd(calls.map((c) => c.cpuNs)) : 0,
          waitMs: calls[0]?.waitMs ?? 0,
        });
      }
    }
  } finally {
    running?.stop();
    client.destroy();
    await service.stop();
  }
  return cells;
}

const calibration = await startLocalLambda({ clock: 'model', ...(CPUS ? { environmentCpus: CPUS } : {}) });
const calibrationClient = createLambdaClient({ region: 'us-east-1', endpoint: calibration.endpoint });
const stepsPerMs = await calibrate(calibrationClient);
calibrationClient.destroy();
await calibration.stop();
console.log(
  `lambda-perf-gate clock bench: ${RUNS} warm invocations per cell in one environment; ${Math.round(stepsPerMs)} loop steps per ms of CPU`,
);
console.log(`Environments: ${CPUS === undefined ? "the service's default CPUs" : `environmentCpus ${CPUS}`}`);

const results = new Map<string, { quiet: Map<string, Cell>; hogs: Map<string, Cell> }>();
for (const clock of CLOCKS) {
  results.set(clock, { quiet: await measure(clock, false, stepsPerMs), hogs: await measure(clock, true, stepsPerMs) });
}

/**
 * Lambda's quota model for the handler's own CPU time and waits at a size (ms), in the order the
 * handler does them: the mixed handler's two equal bursts have its wait between them, so the
 * second starts in a period of its own.
 */
const modelMs = (cell: Cell, handler: Handler, memoryMb: number): number =>
  handler.file === 'mixed'
    ? timelineNs([cell.cpuMs * 5e5, cell.cpuMs * 5e5], [cell.waitMs * 1e6], memoryMb / MB_PER_VCPU, 1) / 1e6
    : quotaTimeNs(cell.cpuMs * 1e6, memoryMb / MB_PER_VCPU, 1) / 1e6 + cell.waitMs;

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const failures: string[] = [];
console.log('');
console.log(
  '| handler | MB | clock | quiet median ms | quiet log sd | hogs median ms | hogs log sd | hogs ÷ quiet | model ms | quiet ÷ model | handler CPU log sd quiet / hogs |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const handler of HANDLERS) {
  for (const memoryMb of handler.sizes ?? SIZES) {
    for (const clock of CLOCKS) {
      const key = `${handler.name}@${memoryMb}`;
      const quiet = results.get(clock)!.quiet.get(key)!;
      const hogs = results.get(clock)!.hogs.get(key)!;
      const qm = median(quiet.durations);
      const hm = median(hogs.durations);
      const model = modelMs(quiet, handler, memoryMb);
      console.log(
        `| ${handler.name} | ${memoryMb} | ${clock} | ${qm.toFixed(2)} | ${pct(logSd(quiet.durations))} | ${hm.toFixed(2)} | ${pct(logSd(hogs.durations))} | ${(hm / qm).toFixed(3)} | ${model.toFixed(2)} | ${(qm / model).toFixed(3)} | ${pct(quiet.cpuSpread)} / ${pct(hogs.cpuSpread)} |`,
      );
      if (clock !== 'model') continue;
      const check = (ok: boolean, what: string): void => void (ok || failures.push(`${key}: ${what}`));
      if (memoryMb >= 256) {
        check(logSd(quiet.durations) <= 0.02, `quiet log sd ${pct(logSd(quiet.durations))} > 2%`);
        check(logSd(hogs.durations) <= 0.03, `log sd beside hogs ${pct(logSd(hogs.durations))} > 3%`);
      }
      check(Math.abs(hm / qm - 1) <= 0.02, `median beside hogs ÷ quiet ${(hm / qm).toFixed(3)} outside ±2%`);
      if (handler.file === 'timer') {
        check(
          qm >= 100 && qm <= 105 && hm >= 100 && hm <= 105,
          `timer medians ${qm.toFixed(1)}/${hm.toFixed(1)} outside 100–105 ms`,
        );
      } else if (handler.file === 'mixed' || memoryMb === 1769) {
        check(
          Math.abs(qm / model - 1) <= 0.05,
          `median ${qm.toFixed(2)} not within 5% of its model ${model.toFixed(2)}`,
        );
      }
    }
  }
}
console.log('');
console.log(
  failures.length ? `model clock targets missed:\n- ${failures.join('\n- ')}` : 'model clock: every target met',
);
