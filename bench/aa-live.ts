// Live runs of the whole gate on the local Lambda service, whose environments each get a lasting
// CPU speed factor exp(N(0, SD)) (--environment-spread, default 0.04 here): A/A runs (the same
// code as baseline and candidate, so every regression is a false alarm and every pass is right)
// and runs whose candidate does 10% more CPU work (every regression is a catch). Prints the
// outcomes, invocations per arm and seconds per run. AA_RUNS (default 20 each), AA_SPREAD,
// AA_MEMORY (default 1024 MB, below one vCPU, so faster environments are faster too).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/config/load.js';
import { runGate } from '../src/gate/run-gate.js';
import { startLocalLambda } from '../src/local-lambda/service.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const RUNS = Number(process.env.AA_RUNS ?? 20);
const SPREAD = Number(process.env.AA_SPREAD ?? 0.04);
const MEMORY = Number(process.env.AA_MEMORY ?? 1024);
const STEPS = 1_000_000;
const handler = (steps: number): string =>
  `exports.handler = async () => { let h = 1; for (let i = 0; i < ${steps}; i++) h = Math.imul(h ^ i, 16777619); return { ok: true, h }; };`;

const service = await startLocalLambda({ idleTimeoutMs: 5_000, environmentSpread: SPREAD, faults: { seed: 2026 } });
const info = service.info();
const root = mkdtempSync(join(tmpdir(), 'lpg-aa-'));
console.log(
  `${RUNS} gate runs per row; a handler of ${STEPS / 1e6}M arithmetic steps at ${MEMORY} MB; tolerance 5%, 99% confidence, default sampling`,
);
console.log(info.cpuThrottling.statement);
console.log('');
console.log(
  '| Runs | Regressions | Passes | Inconclusive | Estimated change (min … median … max) | Invocations per arm (median) | Seconds per run |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
try {
  for (const [label, candidateSteps] of [
    ['A/A', STEPS],
    ['+10% CPU', Math.round(STEPS * 1.1)],
  ] as const) {
    const dir = join(root, label.replace(/\W/g, ''));
    mkdirSync(join(dir, 'baseline'), { recursive: true });
    mkdirSync(join(dir, 'candidate'), { recursive: true });
    writeFileSync(join(dir, 'baseline', 'index.js'), handler(STEPS));
    writeFileSync(join(dir, 'candidate', 'index.js'), handler(candidateSteps));
    const counts = { regression: 0, 'no-regression': 0, inconclusive: 0 };
    const ratios: number[] = [];
    const perArm: number[] = [];
    const started = performance.now();
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
          sampling: { concurrency: 2, seed: run + 1 },
        },
        join(dir, 'lambda-perf.yml'),
      );
      const report = await runGate({
        config,
        backend: {
          kind: 'local',
          cpuScaledByMemory: info.cpuThrottling.enabled,
          statement: info.cpuThrottling.statement,
        },
      });
      const fn = report.functions[0]!;
      const warm = fn.variants[0]!.comparisons.find((c) => c.metric === 'warm')!;
      counts[fn.variants[0]!.comparisons.some((c) => c.outcome === 'regression') ? 'regression' : warm.outcome]++;
      ratios.push(warm.ratio);
      perArm.push(fn.invocations.baseline);
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const pct = (r: number): string => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
    console.log(
      `| ${label} | ${counts.regression}/${RUNS} | ${counts['no-regression']}/${RUNS} | ${counts.inconclusive}/${RUNS} | ${pct(sorted[0]!)} … ${pct(median(ratios))} … ${pct(sorted.at(-1)!)} | ${median(perArm)} | ${((performance.now() - started) / 1000 / RUNS).toFixed(1)} |`,
    );
  }
} finally {
  await service.stop();
  rmSync(root, { recursive: true, force: true });
}
