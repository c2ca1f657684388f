// Live A/A runs of the whole gate on the local Lambda service: the same code as baseline and
// candidate, so every "regression" is a false alarm and every pass is right. Compares one
// environment pair per variant (environments: 1, the old way) with the default of three, on a
// small CPU-bound handler whose environments differ for their whole life (their JIT state,
// their CPU placement). Prints the outcomes and the spread of the estimated ratios.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/config/load.js';
import { runGate } from '../src/gate/run-gate.js';
import { startLocalLambda } from '../src/local-lambda/service.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const RUNS = Number(process.env.AA_RUNS ?? 20);
const STEPS = Number(process.env.AA_STEPS ?? 1_000_000);
const HANDLER = `exports.handler = async () => { let h = 1; for (let i = 0; i < ${STEPS}; i++) h = Math.imul(h ^ i, 16777619); return { ok: true, h }; };`;

// AA_NO_THROTTLE=1 runs the environments without the memory-scaled CPU quota, as on a host without cgroups.
const service = await startLocalLambda({ idleTimeoutMs: 5_000, cpuThrottle: !process.env.AA_NO_THROTTLE });
const info = service.info();
const root = mkdtempSync(join(tmpdir(), 'lpg-aa-'));
for (const build of ['baseline', 'candidate']) {
  mkdirSync(join(root, build));
  writeFileSync(join(root, build, 'index.js'), HANDLER);
}
console.log(`${RUNS} A/A gate runs per setting; handler of ${STEPS / 1e6}M arithmetic steps at 1769 MB; tolerance 5%, 99% confidence, 20-180 pairs`);
console.log(info.cpuThrottling.statement);
try {
  for (const environments of [1, 3]) {
    const counts = { regression: 0, 'no-regression': 0, inconclusive: 0 };
    const ratios: number[] = [];
    let pairs = 0;
    const started = performance.now();
    for (let run = 0; run < RUNS; run++) {
      const config = validateConfig(
        {
          region: 'us-east-1',
          endpoint: service.endpoint,
          functions: [{ name: 'aa', runtime: 'nodejs20.x', handler: 'index.handler', baseline: './baseline', candidate: './candidate', memory: [1769], exemplars: [{ name: 'e', event: {} }] }],
          sampling: { 'warm-min': 20, 'warm-max': 180, cold: 3, concurrency: 1, environments, seed: run + 1 },
        },
        join(root, 'lambda-perf.yml'),
      );
      const report = await runGate({ config, backend: { kind: 'local', cpuScaledByMemory: info.cpuThrottling.enabled, statement: info.cpuThrottling.statement } });
      const warm = report.functions[0]!.variants[0]!.comparisons.find((c) => c.metric === 'warm')!;
      counts[warm.outcome]++;
      ratios.push(warm.ratio);
      pairs += warm.nBaseline;
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    const pct = (r: number): string => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
    console.log(
      `  environments: ${environments}: false alarms ${counts.regression}/${RUNS}, pass ${counts['no-regression']}/${RUNS}, inconclusive ${counts.inconclusive}/${RUNS}; ` +
        `estimated change from ${pct(sorted[0]!)} to ${pct(sorted.at(-1)!)} (median ${pct(sorted[Math.floor(RUNS / 2)]!)}); ` +
        `${(pairs / RUNS).toFixed(0)} pairs per run on average, ${((performance.now() - started) / 1000 / RUNS).toFixed(1)} s per run`,
    );
  }
} finally {
  await service.stop();
  rmSync(root, { recursive: true, force: true });
}
