import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { runGate } from '../../src/gate/run-gate.js';
import { DEFAULT_FAIL_ON, failingFindings } from '../../src/result/fail-on.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { FAST_RETRY, useGateFixture } from '../helpers/gate-fixture.js';
import { hashingHandler } from '../helpers/hashing.js';

const TRAFFIC = resolve('__tests__/fixtures/integration-traffic.mjs');

// `hashes` digests of 64 KB, and `slowHashes` instead on the path /report.
const handler = (hashes: number, slowHashes = hashes): string =>
  hashingHandler(`event.path === '/report' ? ${slowHashes} : ${hashes}`, 'build: process.env.LAMBDA_PERF_GATE_BUILD');

const gate = useGateFixture({ logDelayMs: 0 });

function project(
  baseline: string,
  candidate: string,
  environment: Record<string, string>,
  extra: Record<string, unknown> = {},
) {
  const root = gate.fixture.writeBuilds(baseline, candidate);
  return validateConfig(
    {
      region: 'us-east-1',
      endpoint: gate.service.endpoint,
      functions: [
        {
          name: 'orders',
          runtime: 'nodejs20.x',
          handler: 'index.handler',
          baseline: './baseline',
          candidate: './candidate',
          memory: [1769],
          exemplars: [{ name: 'home', event: { path: '/' }, expect: { statusCode: 200 } }],
          integration: {
            command: `node ${TRAFFIC}`,
            environment: { FUNCTION_UNDER_TEST: '${arn}', ...environment },
            'max-log-wait-s': 20,
            ...extra,
          },
        },
      ],
      sampling: { 'pairs-per-environment': 3, batch: 8, 'max-environment-pairs': 16, concurrency: 1, seed: 5 },
      // Profiling has tests of its own (__tests__/profile/); here it would only cost time.
      profile: 'never',
    },
    join(root, 'lambda-perf.yml'),
  );
}

describe('integration tests as a traffic profile', () => {
  test('its counts match the invocations the command made, each attributed to the build it ran against', async () => {
    const log = join(gate.scratch, 'answered-by.txt');
    const report = await runGate({
      config: project(handler(16), handler(16), { TRAFFIC_COUNT: '25', TRAFFIC_LOG: log }, { repeat: 2 }),
      backend: gate.backend,
      localKey: gate.localKey,
      retry: FAST_RETRY,
    });
    const integration = report.functions[0]!.integration!;
    expect(integration.mode).toBe('concurrent');
    expect(integration.runs.map((r) => r.build)).toEqual(['baseline', 'candidate', 'baseline', 'candidate']);
    for (const run of integration.runs) {
      expect(run.exitCode).toBe(0);
      expect(run.invocations).toBe(25);
      expect(run.starts).toBe(25);
      expect(run.complete).toBe(true);
    }
    expect(integration.baseline.invocations).toBe(50);
    expect(integration.candidate.invocations).toBe(50);
    // Both builds' runs went side by side; each call was answered by the version its run was given.
    const answeredBy = readFileSync(log, 'utf8').trim().split('\n');
    expect(answeredBy.filter((b) => b === 'baseline')).toHaveLength(50);
    expect(answeredBy.filter((b) => b === 'candidate')).toHaveLength(50);
    const warm = integration.comparisons.find((c) => c.metric === 'warm')!;
    expect(warm.nBaseline).toBeGreaterThanOrEqual(40);
    expect(report.functions[0]!.findings.filter((r) => /integration/.test(r.message))).toEqual([]);
  });

  test('a regression that shows only in integration traffic is caught', async () => {
    const report = await runGate({
      config: project(handler(60, 120), handler(60, 144), { TRAFFIC_COUNT: '40', TRAFFIC_PATH: '/report' }),
      backend: gate.backend,
      localKey: gate.localKey,
      retry: FAST_RETRY,
    });
    const fn = report.functions[0]!;
    // The exemplars' path does the same work in both builds: the difference is not there.
    expect(fn.variants[0]!.comparisons.find((c) => c.metric === 'warm')!.ratio).toBeLessThan(1.05);
    const integrationWarm = fn.integration!.comparisons.find((c) => c.metric === 'warm')!;
    // Compared as one line with every round's figures, so that a failure shows them (a
    // toMatchObject diff prints only the keys that differ).
    const byRound = (integrationWarm.rounds ?? [])
      .map(
        (round) =>
          `${round.pairs} pairs ${round.outcome} ratio ${round.ratio.toFixed(3)} p ${round.pValue.toExponential(1)}`,
      )
      .join('; ');
    expect(`${integrationWarm.outcome} (ratio ${integrationWarm.ratio.toFixed(3)}; ${byRound})`).toMatch(
      /^regression /,
    );
    // 20% more hashing on that path, a little less than 20% more Duration: a fixed part of each
    // call, the runtime's own work, does not grow.
    // Measured 1.14 to 1.23 in seven runs, quiet and beside two CPU hogs; the bounds leave room for
    // a round in which the host slowed one build's CPU more than the other's.
    expect(integrationWarm.ratio).toBeGreaterThan(1.08);
    expect(integrationWarm.ratio).toBeLessThan(1.4);
    // Each round, 40 calls, shows it on its own; the first call on the fresh integration versions is their cold start.
    expect(integrationWarm.rounds!.map((round) => [round.pairs, round.outcome])).toEqual([
      [39, 'regression'],
      [40, 'regression'],
    ]);
    expect(report.verdict).toBe('fail');
    expect(fn.findings.find((r) => r.kind === 'regression')?.message).toMatch(
      /^integration traffic at 1769MB-x86_64: warm duration \+/,
    );
    expect(renderMarkdown(report)).toMatch(
      /By round: \+\d+\.\d% \(39 pairs, regression\), \+\d+\.\d% \(40 pairs, regression\); a decision must hold in every round\./,
    );
    expect(renderTerminal(report)).toMatch(
      /regression; by round \+\d+\.\d% \(39 pairs, regression\), \+\d+\.\d% \(40 pairs, regression\)/,
    );
  });

  test('suites that cannot run side by side run one after the other, alternating, and are compared run by run', async () => {
    const report = await runGate({
      config: project(handler(16), handler(16), { TRAFFIC_COUNT: '10' }, { concurrent: false, repeat: 2 }),
      backend: gate.backend,
      localKey: gate.localKey,
      retry: FAST_RETRY,
    });
    const integration = report.functions[0]!.integration!;
    expect(integration.mode).toBe('sequential');
    expect(integration.runs.map((r) => r.build)).toEqual(['baseline', 'candidate', 'candidate', 'baseline']);
    const warm = integration.comparisons.find((c) => c.metric === 'warm')!;
    // Two runs a side: the units are runs, and two cannot show a difference at 99%.
    expect([warm.nBaseline, warm.nCandidate]).toEqual([2, 2]);
    expect(warm.outcome).toBe('inconclusive');
    expect(report.functions[0]!.findings.filter((r) => /integration/.test(r.message))).toEqual([]);
  });

  test('a failing command is a failing test, with its output, not a slowdown; fail-on decides', async () => {
    const report = await runGate({
      config: project(handler(16), handler(16), { TRAFFIC_COUNT: '5', TRAFFIC_FAIL: '1' }),
      backend: gate.backend,
      localKey: gate.localKey,
      retry: FAST_RETRY,
    });
    const findings = report.functions[0]!.findings;
    const failure = findings.find((r) => r.kind === 'test-failure');
    expect(failure?.message).toMatch(
      /integration command "node .*integration-traffic\.mjs" exited with 1 against the candidate; last output:\nexpected 3 orders, found 2/,
    );
    expect(findings.some((r) => r.kind === 'baseline-error' && /against the baseline/.test(r.message))).toBe(true);
    // The failing command is no slowdown of the integration traffic. (The exemplars of these two
    // identical builds are compared as well, and may, at the false-alarm rate, show a chance
    // regression of their own: not this test's business.)
    const integrationOnly = (found: typeof findings) =>
      found.filter((r) => !('traffic' in r) || r.traffic === 'integration');
    expect(integrationOnly(findings).filter((r) => r.kind === 'regression')).toEqual([]);
    // Its five calls a round are counted and compared, but five pairs cannot show a regression
    // at 99% (the smallest one-sided signed-rank p of five is 1/32); they can show its absence.
    const rounds = report.functions[0]!.integration!.comparisons.find((c) => c.metric === 'warm')!.rounds!;
    // The first call on the fresh integration versions is their cold start.
    expect(rounds.map((r) => r.pairs)).toEqual([4, 5]);
    for (const round of rounds) {
      expect(round.outcome).not.toBe('regression');
      expect(round.pValue).toBeGreaterThanOrEqual(1 / 32);
    }
    expect(failingFindings(report, DEFAULT_FAIL_ON)).toContainEqual(failure);
    expect(integrationOnly(failingFindings(report, ['regression', 'budget']))).toEqual([]);
  });

  test('a candidate that prints REPORT lines of its own is counted by the lines Lambda wrote: not faster, no extra invocations', async () => {
    // Same work as the baseline; in each call it prints a stray REPORT, a whole made-up invocation,
    // and an END and REPORT for its own request id, all claiming 0.01 ms.
    const forger = `const { randomUUID } = require('node:crypto');
exports.handler = async (event, context) => {
  let h = 1; for (let i = 0; i < 1000 * 1000; i++) h = Math.imul(h ^ i, 16777619);
  const fake = (id) => 'REPORT RequestId: ' + id + '\\tDuration: 0.01 ms\\tBilled Duration: 1 ms\\tMemory Size: 1769 MB\\tMax Memory Used: 30 MB\\t\\n';
  const made = randomUUID();
  process.stdout.write(fake(randomUUID()));
  process.stdout.write('START RequestId: ' + made + ' Version: 1\\nEND RequestId: ' + made + '\\n' + fake(made));
  process.stdout.write('END RequestId: ' + context.awsRequestId + '\\n' + fake(context.awsRequestId));
  return { statusCode: 200, build: process.env.LAMBDA_PERF_GATE_BUILD, h };
};`;
    const progress: string[] = [];
    const report = await runGate({
      config: project(handler(16), forger, { TRAFFIC_COUNT: '25' }),
      backend: gate.backend,
      localKey: gate.localKey,
      retry: FAST_RETRY,
      progress: (line) => progress.push(line),
    });
    const integration = report.functions[0]!.integration!;
    for (const run of integration.runs) {
      expect(run.invocations).toBe(25);
      expect(run.starts).toBe(25);
    }
    expect(integration.candidate.invocations).toBe(50);
    expect(integration.candidate.warm.p50).toBeGreaterThan(integration.baseline.warm.p50 * 0.5);
    const warm = integration.comparisons.find((c) => c.metric === 'warm')!;
    expect(warm.ratio).toBeGreaterThan(0.5);
    expect(
      progress.filter((line) =>
        /candidate exit 0, 25 invocations in the logs; 75 REPORT lines the function printed itself were not counted/.test(
          line,
        ),
      ),
    ).toHaveLength(2);
  });

  test('late log delivery is waited for, within the bound', async () => {
    gate.service.setFaults({ logDelayMs: 1500 });
    const report = await runGate({
      config: project(handler(8), handler(8), { TRAFFIC_COUNT: '8' }),
      backend: gate.backend,
      localKey: gate.localKey,
      retry: FAST_RETRY,
    });
    for (const run of report.functions[0]!.integration!.runs) {
      expect(run.invocations).toBe(8);
      expect(run.logWaitMs).toBeGreaterThanOrEqual(1000);
    }
  });
});
