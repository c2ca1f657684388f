// Live runs of the whole gate on the local Lambda service, whose environments each get a lasting
// CPU speed factor exp(N(0, SD)) (--environment-spread, default 0.04 here): A/A runs (the same
// code as baseline and candidate, so every regression is a false alarm and every pass is right)
// and runs whose candidate's Duration is 10% and 5% longer. Each row runs on a quiet host and
// beside two CPU hogs. Prints the outcomes, invocations per arm and seconds per run.
//
// The work is SHA-256 digests of a 64 KB block, not a tight JavaScript loop: on a shared VM a
// tight loop's CPU time swings up to twofold for seconds with what the host runs beside it
// (FACTS.md, "Measuring on a shared host"), which no gate can tell from a regression.
//
// The candidates are calibrated, not guessed: a handler's Duration is its work plus a fixed
// part (the runtime client, the event, the response), so 10% more blocks is less than 10% more
// Duration. The bench measures the Duration of two amounts of work alone (warm, in one
// environment, taking turns call by call), fits Duration = fixed + perBlock × blocks, sizes each
// candidate for the ratio it stands for, and prints the ratio the candidate then measured beside
// the baseline's amount, in that environment, beside its rows.
//
// `--design separate,duet` (or AA_DESIGNS) runs each row with each sampling design; the duet
// puts both builds in each environment (issue 23). Its `carry-over` row measures what one build
// leaves the other in a shared process: the baseline also allocates and drops 50 MB of JavaScript
// objects per call, the candidate is the A/A baseline. The baseline's own churn makes it slower,
// so the verdicts say little there; what one build leaves the other is the candidate's median
// warm Duration beside it over its median in the duet's A/A row, printed against the tolerance.
//
// AA_RUNS (default 20 per row), `--environment-spread` (or AA_SPREAD, default 0.04), AA_MEMORY
// (default 1024 MB, below one vCPU, so faster environments are faster too), AA_CLOCK (model or
// wall; the service's default otherwise), AA_ROWS (comma list of A/A,+10%,+5%,carry-over),
// AA_LOADS (comma list of quiet,hogs).
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { zipSync } from 'fflate';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/config/load.js';
import { localBackend } from '../src/gate/backend.js';
import { runGate } from '../src/gate/run-gate.js';
import { createLambdaClient } from '../src/lambda/client.js';
import { parseReportLines } from '../src/lambda/report-line.js';
import { startLocalLambda } from '../src/local-lambda/service.js';
import { deployBenchFunction, median } from './support.js';
import { startHogs } from './hogs.js';
import { hashingHandler } from '../__tests__/helpers/hashing.js';
import type { SamplingDesign } from '../src/config/types.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const argument = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
};
const RUNS = Number(process.env.AA_RUNS ?? 20);
const SPREAD = Number(argument('environment-spread') ?? process.env.AA_SPREAD ?? 0.04);
const DESIGNS = (argument('design') ?? process.env.AA_DESIGNS ?? 'separate').split(',') as SamplingDesign[];
for (const design of DESIGNS)
  if (design !== 'separate' && design !== 'duet') throw new Error(`--design ${design}: use separate, duet or both`);
const MEMORY = Number(process.env.AA_MEMORY ?? 1024);
const CLOCK = process.env.AA_CLOCK as 'model' | 'wall' | undefined;
/** The CPUs the gate runs' environments are bound to (the service's `environmentCpus`). */
const CPUS = process.env.AA_CPUS;
const BLOCKS = 60;
// A call of about 3 ms here spreads by about 15% (log sd) and a young environment's calls are
// slower for its first few dozen: with 40 calls after 5, candidates of 68 or 69 digests measured
// +2.3%, +8.2% and +14.4% in three runs. 300 after 40 cost a few seconds.
const CALIBRATION_CALLS = 300;
const CALIBRATION_WARM_UP = 40;
const ROWS = [
  { label: 'A/A', ratio: 1 },
  { label: '+10%', ratio: 1.1 },
  { label: '+5%', ratio: 1.05 },
  { label: 'carry-over', ratio: 1, allocates: true },
].filter((row) => !process.env.AA_ROWS || process.env.AA_ROWS.split(',').includes(row.label));
/** 50 MB of small JavaScript objects made and dropped per call, before the baseline's own work. */
const ALLOCATING = `const churn = () => { let kept = []; for (let i = 0; i < 51200; i++) kept.push({ i, payload: new Array(120).fill(i) }); return kept.length; };\n`;
const LOADS = (['quiet', 'hogs'] as const).filter(
  (load) => !process.env.AA_LOADS || process.env.AA_LOADS.split(',').includes(load),
);
const handler = (blocks: number | string): string => hashingHandler(blocks);

const pct = (r: number): string => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;

/**
 * The median warm Duration of each amount of work, measured in one environment, the amounts
 * taking turns call by call: environments differ by a few percent even without a spread (the
 * host places them on different CPUs and caches), which a calibration from two environments
 * turned into a candidate of +6% instead of +10%.
 */
async function durationsAlone(client: LambdaClient, amounts: readonly number[]): Promise<Map<number, number>> {
  const durations = new Map(amounts.map((blocks) => [blocks, [] as number[]]));
  for (let round = 0; round < CALIBRATION_CALLS + CALIBRATION_WARM_UP; round++) {
    for (let i = 0; i < amounts.length; i++) {
      const blocks = amounts[(round + i) % amounts.length]!;
      const result = await client.send(
        new InvokeCommand({
          FunctionName: 'calibrate',
          LogType: 'Tail',
          Payload: Buffer.from(JSON.stringify({ blocks })),
        }),
      );
      const [report] = parseReportLines(Buffer.from(result.LogResult ?? '', 'base64').toString());
      if (!report || result.FunctionError) throw new Error(`calibration call of ${blocks} digests failed`);
      // The cold call and a young environment's first calls are not its steady state.
      if (round >= CALIBRATION_WARM_UP) durations.get(blocks)!.push(report.durationMs);
    }
  }
  return new Map([...durations].map(([blocks, values]) => [blocks, median(values)]));
}

// Calibrated on a service of its own without an environment spread, in one environment that
// does every amount of work.
const calibration = await startLocalLambda({
  ...(CLOCK ? { clock: CLOCK } : {}),
  ...(CPUS ? { environmentCpus: CPUS } : {}),
});
const client = createLambdaClient({ region: 'us-east-1', endpoint: calibration.endpoint });
const candidates = new Map<number, { blocks: number; aloneRatio: number }>();
let base: number;
let double: number;
try {
  await deployBenchFunction(client, {
    name: 'calibrate',
    zip: zipSync({ 'index.js': Buffer.from(handler('event.blocks')) }),
    memoryMb: MEMORY,
  });
  const fit = await durationsAlone(client, [BLOCKS, 2 * BLOCKS]);
  [base, double] = [fit.get(BLOCKS)!, fit.get(2 * BLOCKS)!];
  const perBlock = (double - base) / BLOCKS;
  const sized = ROWS.map(({ ratio }) => ({
    ratio,
    blocks: ratio === 1 ? BLOCKS : Math.round(BLOCKS + ((ratio - 1) * base) / perBlock),
  }));
  // The candidates as sized, measured again beside the baseline's amount.
  const alone = await durationsAlone(client, [...new Set([BLOCKS, ...sized.map((c) => c.blocks)])]);
  for (const { ratio, blocks } of sized)
    candidates.set(ratio, { blocks, aloneRatio: alone.get(blocks)! / alone.get(BLOCKS)! });
} finally {
  client.destroy();
  await calibration.stop();
}
const perBlock = (double - base) / BLOCKS;

const service = await startLocalLambda({
  idleTimeoutMs: 5_000,
  environmentSpread: SPREAD,
  faults: { seed: 2026 },
  ...(CLOCK ? { clock: CLOCK } : {}),
  ...(CPUS ? { environmentCpus: CPUS } : {}),
});
const root = mkdtempSync(join(tmpdir(), 'lpg-aa-'));
try {
  const backend = localBackend(service.info());
  const info = service.info();
  console.log(
    `${RUNS} gate runs per row at ${MEMORY} MB, environment spread ${SPREAD}; tolerance 5%, 99% confidence, default sampling`,
  );
  console.log(info.clock.statement);
  console.log(info.cpuPlacement.statement);
  console.log(
    `baseline: ${BLOCKS} digests of 64 KB, ${base.toFixed(2)} ms alone; ${2 * BLOCKS} digests ${double.toFixed(2)} ms (fixed part ${(base - perBlock * BLOCKS).toFixed(2)} ms)`,
  );
  console.log('');
  console.log(
    '| Row | Design | Load | Candidate digests | Measured alone | Regressions | Passes | Inconclusive | Estimated change (min … median … max) | Invocations per arm (median) | Seconds per run |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  /** The candidate's median warm Duration per run of the duet's A/A row, for the carry-over row. */
  const aaCandidate = new Map<string, number[]>();
  for (const load of LOADS) {
    for (const design of DESIGNS)
      for (const row of ROWS) {
        if (row.allocates && design !== 'duet') continue;
        const candidate = candidates.get(row.ratio)!;
        const dir = join(root, `${load}-${design}-${row.label.replace(/\W/g, '')}`);
        mkdirSync(join(dir, 'baseline'), { recursive: true });
        mkdirSync(join(dir, 'candidate'), { recursive: true });
        const baseline = handler(BLOCKS);
        writeFileSync(
          join(dir, 'baseline', 'index.js'),
          row.allocates
            ? ALLOCATING +
                baseline.replace(
                  'exports.handler = async (event) => {',
                  'exports.handler = async (event) => {\n  churn();',
                )
            : baseline,
        );
        writeFileSync(join(dir, 'candidate', 'index.js'), handler(candidate.blocks));
        const counts = { regression: 0, 'no-regression': 0, inconclusive: 0 };
        const ratios: number[] = [];
        const perArm: number[] = [];
        const candidateMedians: number[] = [];
        const hogs = load === 'hogs' ? startHogs() : undefined;
        const started = performance.now();
        try {
          for (let run = 0; run < RUNS; run++) {
            const config = validateConfig(
              {
                region: 'us-east-1',
                endpoint: service.endpoint,
                functions: [
                  {
                    name: 'aa',
                    runtime: 'nodejs20.x',
                    handler: 'index.handler',
                    baseline: './baseline',
                    candidate: './candidate',
                    memory: [MEMORY],
                    exemplars: [{ name: 'e', event: {} }],
                  },
                ],
                sampling: { concurrency: 2, seed: run + 1, design },
                profile: 'never',
              },
              join(dir, 'lambda-perf.yml'),
            );
            const report = await runGate({ config, backend });
            const fn = report.functions[0]!;
            const warm = fn.variants[0]!.comparisons.find((c) => c.metric === 'warm')!;
            counts[fn.variants[0]!.comparisons.some((c) => c.outcome === 'regression') ? 'regression' : warm.outcome]++;
            ratios.push(warm.ratio);
            perArm.push(fn.invocations.baseline);
            candidateMedians.push(fn.variants[0]!.candidate.warm.p50);
          }
        } finally {
          hogs?.stop();
        }
        const sorted = [...ratios].sort((a, b) => a - b);
        if (design === 'duet' && row.label === 'A/A') aaCandidate.set(load, candidateMedians);
        const beside = aaCandidate.get(load);
        const carriedRatio = row.allocates && beside ? median(candidateMedians) / median(beside) : undefined;
        const carried =
          carriedRatio === undefined
            ? ''
            : `; candidate's median beside the allocating baseline ÷ in the A/A row: ${carriedRatio.toFixed(3)} (${carriedRatio - 1 > 0.05 ? 'beyond' : 'within'} the 5% tolerance)`;
        console.log(
          `| ${row.label} | ${design} | ${load} | ${candidate.blocks} | ${pct(candidate.aloneRatio)} | ${counts.regression}/${RUNS} | ${counts['no-regression']}/${RUNS} | ${counts.inconclusive}/${RUNS} | ${pct(sorted[0]!)} … ${pct(median(ratios))} … ${pct(sorted.at(-1)!)}${carried} | ${median(perArm)} | ${((performance.now() - started) / 1000 / RUNS).toFixed(1)} |`,
        );
      }
  }
} finally {
  await service.stop();
  rmSync(root, { recursive: true, force: true });
}
