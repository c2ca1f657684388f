import { Cgroups } from '../../src/local-lambda/cgroups.js';
import { CpuThrottle } from '../../src/local-lambda/cpu-throttle.js';
import { threadAccountingUnavailable } from '../../src/local-lambda/thread-times.js';
import { hashingHandler } from '../helpers/hashing.js';
import { deploy, invoke, startTestService, type TestService } from '../helpers/local-service.js';

// About 40 ms of CPU work: SHA-256 digests of a 64 KB block, native work whose CPU time holds
// steadier on a shared host than a tight JavaScript loop's (hashing.ts).
const SPIN = { 'index.js': hashingHandler(1100) };

const cgroups = new Cgroups(['cpu']);
const probe = new CpuThrottle(cgroups);
const throttled = probe.status.enabled;
cgroups.dispose();
if (!throttled) {
  console.warn(`Skipping the wall clock's CPU scaling test: ${probe.status.statement}`);
}
const modelClock = threadAccountingUnavailable() === undefined;

/**
 * The median warm Duration of SPIN at each size, of 5 calls after the cold one, the sizes taking
 * turns call by call so that what the host runs beside them weighs on both alike.
 */
async function medianDurations(t: TestService, sizes: readonly number[]): Promise<number[]> {
  const names: string[] = [];
  for (const memory of sizes) names.push(await deploy(t.client, SPIN, { MemorySize: memory }));
  for (const name of names) await invoke(t.client, name);
  const durations = names.map((): number[] => []);
  for (let i = 0; i < 5; i++)
    for (const [k, name] of names.entries()) durations[k]!.push((await invoke(t.client, name)).report.durationMs);
  return durations.map((values) => values.sort((a, b) => a - b)[2] ?? Number.NaN);
}

describe('CPU share proportional to memory, by the model clock', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());

  test('the service states its clock, and sets no CPU quota under the model clock', () => {
    const info = t.service.info();
    expect(info.clock.kind).toBe(modelClock ? 'model' : 'wall');
    if (modelClock) expect(info.cpuThrottling).toMatchObject({ enabled: false, statement: /model clock scales/ });
  });

  // The same CPU time through Lambda's model: 40 ms at 256 MB is 13 full 20 ms periods and 2.4 ms
  // (262 ms), at 1024 MB 3 periods and 5.3 ms (65 ms), a ratio of 4.0 whatever the host's load.
  (modelClock ? test : test.skip)('40 ms of CPU work takes 4 times as long at 256 MB as at 1024 MB', async () => {
    const [at256, at1024] = await medianDurations(t, [256, 1024]);
    const ratio = at256! / at1024!;
    expect(ratio).toBeGreaterThan(3.6);
    expect(ratio).toBeLessThan(4.4);
  });
});

describe('CPU share proportional to memory, by the wall clock under a CPU quota', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ clock: 'wall' });
  });
  afterAll(() => t.close());

  test('the service states whether it throttles', () => {
    expect(t.service.info().cpuThrottling.enabled).toBe(throttled);
    expect(t.service.info().cpuThrottling.statement).toMatch(throttled ? /throttled to memory\/1769/ : /NOT throttled/);
  });

  (throttled ? test : test.skip)(
    '40 ms of CPU work takes clearly longer at 256 MB than at 1024 MB (loose ratio, ideal 4x)',
    async () => {
      const [at256, at1024] = await medianDurations(t, [256, 1024]);
      expect(at256! / at1024!).toBeGreaterThan(2);
    },
  );
});

describe('a lasting CPU speed factor per environment (--environment-spread)', () => {
  const factorsOf = async (seed: number): Promise<number[]> => {
    // The wall clock applies a spread through the CPU quota, so only where the host throttles.
    const t = await startTestService({ clock: 'wall', environmentSpread: 0.3, faults: { seed } });
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
