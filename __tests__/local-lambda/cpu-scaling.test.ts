import { Cgroups } from '../../src/local-lambda/host/cgroups.js';
import { CpuThrottle } from '../../src/local-lambda/host/cpu-throttle.js';
import { threadAccountingUnavailable } from '../../src/local-lambda/host/thread-times.js';
import { hashingHandler } from '../helpers/hashing.js';
import { deploy, invoke, startTestService, type TestService } from '../helpers/local-service.js';
import { testIf } from '../helpers/host-needs.js';

// SHA-256 digests of a 64 KB block, native work whose CPU time holds steadier on a shared host
// than a tight JavaScript loop's (hashing.ts): about 55 ms of CPU here, and about 220 ms for the
// model clock's case (below).
const SPIN = { 'index.js': hashingHandler(1100) };
const LONG_SPIN = { 'index.js': hashingHandler(4400) };

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
async function medianDurations(
  t: TestService,
  sizes: readonly number[],
  files: Record<string, string> = SPIN,
): Promise<number[]> {
  const names: string[] = [];
  for (const memory of sizes) names.push(await deploy(t.client, files, { MemorySize: memory }));
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

  // Lambda's quota runs in whole 20 ms periods, so the ratio of the same work's durations is 4.0
  // only on average: for 35-70 ms of identical work it lies between 3.86 and 4.36 (and one call's
  // work 3% off another's widens that to 3.65-4.56, which is how 4.51 once failed CI with about
  // 55 ms of work). For 150-300 ms it lies between 3.97 and 4.09, and 3.83-4.23 with 3% between
  // the calls (`quotaTimeNs`). With about 220 ms, 25 services in a row read 3.93-4.18 quiet and
  // 3.91-4.12 beside two CPU hogs.
  testIf(modelClock, "the model clock (the kernel's per-thread CPU accounting)")(
    'the same CPU work takes 4 times as long at 256 MB as at 1024 MB',
    async () => {
      const [at256, at1024] = await medianDurations(t, [256, 1024], LONG_SPIN);
      const ratio = at256! / at1024!;
      expect(ratio).toBeGreaterThan(3.7);
      expect(ratio).toBeLessThan(4.3);
    },
  );
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

  testIf(throttled, 'a CPU quota (a cgroup cpu controller)')(
    'the same CPU work takes clearly longer at 256 MB than at 1024 MB (loose ratio, ideal 4x)',
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
