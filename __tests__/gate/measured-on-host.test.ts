import { validateConfig } from '../../src/config/load.js';
import { probeBackend } from '../../src/gate/backend.js';
import { runGate } from '../../src/gate/run-gate.js';
import { FAST_RETRY, useGateFixture } from '../helpers/gate-fixture.js';

const gate = useGateFixture({ throttleRate: 0, errorRate: 0 });
const HANDLER = 'exports.handler = async (event) => ({ answer: event.n * 2 });';

// The local service runs every variant on its own CPU: a run asking for both architectures must
// say so in the report's data and never recommend the architecture it could not measure.
describe('a local run with x86_64 and arm64 variants', () => {
  test('the foreign architecture is flagged in its variant and a notice, never recommended, and the host shortfalls are notices too', async () => {
    const root = gate.fixture.writeBuilds(HANDLER, HANDLER);
    const config = validateConfig(
      {
        region: 'us-east-1',
        endpoint: gate.service.endpoint,
        strategy: 'cost',
        functions: [
          {
            name: 'arch',
            runtime: 'nodejs20.x',
            handler: 'index.handler',
            baseline: './baseline',
            candidate: './candidate',
            memory: [512],
            architectures: ['x86_64', 'arm64'],
            exemplars: [{ name: 'one', event: { n: 1 }, expect: { answer: 2 } }],
          },
        ],
        sampling: { 'pairs-per-environment': 2, batch: 8, 'max-environment-pairs': 16, concurrency: 2, seed: 3 },
      },
      `${root}/lambda-perf.yml`,
    );
    const backend = await probeBackend(gate.service.endpoint, 'us-east-1', gate.localKey);
    const host = backend.hostArchitecture!;
    const foreign = host === 'x86_64' ? 'arm64' : 'x86_64';
    const report = await runGate({ config, backend, localKey: gate.localKey, retry: FAST_RETRY });
    const fn = report.functions[0]!;

    expect(report.platform.hostArchitecture).toBe(host);
    expect(fn.variants.map((v) => [v.architecture, v.measuredOn])).toEqual([
      ['x86_64', host === 'x86_64' ? undefined : host],
      ['arm64', host === 'arm64' ? undefined : host],
    ]);
    const flagged = fn.findings.filter((r) => r.kind === 'notice' && r.variant === `512MB-${foreign}`);
    expect(flagged.map((r) => r.message)).toEqual([
      expect.stringMatching(new RegExp(`^${foreign} timings measured on an? ${host} host`)),
    ]);
    expect(fn.recommended?.architecture).toBe(host);
    const limitations = gate.service.info().limitations;
    expect(report.platform.limitations ?? []).toEqual(limitations);
    for (const limitation of limitations)
      expect(fn.findings).toContainEqual({ kind: 'notice', message: `local host: ${limitation}` });
  });
});
