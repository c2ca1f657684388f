import { Cgroups } from '../../src/local-lambda/cgroups.js';
import { CpuThrottle } from '../../src/local-lambda/cpu-throttle.js';
import { deploy, invoke, startTestService, type TestService } from '../helpers/local-service.js';

// A CPU-bound function doing a fixed number of arithmetic steps (no allocation, no system
// calls): its Duration should scale with the CPU share its memory buys.
const SPIN = {
  'index.js':
    'exports.handler = async () => { let h = 1; for (let i = 0; i < 40000000; i++) h = Math.imul(h ^ i, 16777619); return h; };',
};

const cgroups = new Cgroups(['cpu']);
const probe = new CpuThrottle(cgroups);
const throttled = probe.status.enabled;
cgroups.dispose();
if (!throttled) {
  console.warn(`Skipping the CPU scaling test: ${probe.status.statement}`);
}

describe('CPU share proportional to memory', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());

  test('the service states whether it throttles', () => {
    expect(t.service.info().cpuThrottling.enabled).toBe(throttled);
    expect(t.service.info().cpuThrottling.statement).toMatch(throttled ? /throttled to memory\/1769/ : /NOT throttled/);
  });

  (throttled ? test : test.skip)(
    '40 ms of CPU work takes clearly longer at 256 MB than at 1024 MB (loose ratio, ideal 4x)',
    async () => {
      const median = async (memory: number): Promise<number> => {
        const name = await deploy(t.client, SPIN, { MemorySize: memory });
        await invoke(t.client, name);
        const durations: number[] = [];
        for (let i = 0; i < 5; i++) durations.push((await invoke(t.client, name)).report.durationMs);
        durations.sort((a, b) => a - b);
        return durations[2] ?? Number.NaN;
      };
      const small = await median(256);
      const large = await median(1024);
      expect(small / large).toBeGreaterThan(2);
    },
  );
});

describe('a lasting CPU speed factor per environment (--environment-spread)', () => {
  const factorsOf = async (seed: number): Promise<number[]> => {
    const t = await startTestService({ environmentSpread: 0.3, faults: { seed } });
    try {
      const name = await deploy(t.client, { 'index.js': 'exports.handler = async () => 1;' });
      for (const qualifier of ['$LATEST', undefined]) await invoke(t.client, name, {}, qualifier);
      const info = t.service.info();
      expect(info.cpuThrottling.environmentSpread).toBe(throttled ? 0.3 : 0);
      expect(info.cpuThrottling.statement).toMatch(
        throttled ? /lasting speed factor exp\(N\(0, 0.3\)\)/ : /spread of 0.3 cannot be applied/,
      );
      return info.liveEnvironments.map((e) => e.speedFactor);
    } finally {
      await t.close();
    }
  };

  test('is drawn from the fault seed, differs between environments and shows in /local/info', async () => {
    const first = await factorsOf(7);
    if (!throttled) {
      expect(first.every((f) => f === 1)).toBe(true);
      return;
    }
    expect(first).toHaveLength(1);
    expect(first[0]).not.toBe(1);
    expect(await factorsOf(7)).toEqual(first);
    expect(await factorsOf(8)).not.toEqual(first);
  });

  test('a spread outside 0..1 is refused', async () => {
    await expect(startTestService({ environmentSpread: -0.1 })).rejects.toThrow(
      /environmentSpread must be between 0 and 1/,
    );
  });
});
