import {
  lambdaVcpus,
  modelDurationMs,
  quotaTimeNs,
  timelineNs,
  type Activity,
} from '../../src/local-lambda/host/model-clock.js';
import { startLocalLambda } from '../../src/local-lambda/service.js';
import {
  activityBetween,
  chooseClock,
  snapshotThreads,
  threadAccountingUnavailable,
} from '../../src/local-lambda/host/thread-times.js';

const MS = 1e6;
const idle = { cpuNs: 0, delayNs: 0 };
const activity = (parts: Partial<Activity>): Activity => ({ main: idle, others: idle, mainWaitedNs: 0, ...parts });
const duration = (a: Partial<Activity>, memoryMb: number, extra: { speedFactor?: number; boosted?: boolean } = {}) =>
  modelDurationMs(activity(a), { memoryMb, speedFactor: extra.speedFactor ?? 1, boosted: extra.boosted ?? false });

describe("Lambda's CPU model", () => {
  test.each([
    [128, 2],
    [1769, 2],
    [3008, 2],
    [5307, 3],
    [10240, 6],
  ])('%d MB sees %d vCPUs', (memoryMb, vcpus) => {
    expect(lambdaVcpus(memoryMb)).toBe(vcpus);
  });

  test('work that fits in the first period runs at full speed; more waits for the next periods', () => {
    const share = 1024 / 1769;
    // 3 ms fits into the 11.6 ms quota of a fresh period.
    expect(quotaTimeNs(3 * MS, share, 1) / MS).toBeCloseTo(3, 6);
    // 20 ms: one full period, then the 8.4 ms left (the 28.4 ms).
    expect(quotaTimeNs(20 * MS, share, 1) / MS).toBeCloseTo(20 + (20 - share * 20), 6);
    // 5 ms at 256 MB: 2.9 ms per period, so one full period and 2.1 ms.
    expect(quotaTimeNs(5 * MS, 256 / 1769, 1) / MS).toBeCloseTo(20 + 5 - (256 / 1769) * 20, 6);
    // A full vCPU or more: no waiting; two threads on two vCPUs halve the time.
    expect(quotaTimeNs(20 * MS, 1, 1) / MS).toBeCloseTo(20, 6);
    expect(quotaTimeNs(40 * MS, 2, 2) / MS).toBeCloseTo(20, 6);
    expect(quotaTimeNs(0, 0.5, 1)).toBe(0);
  });

  test("run-queue delay on the host is not Duration; the environment's own waits are", () => {
    const work = { cpuNs: 20 * MS, delayNs: 0 };
    const delayed = { cpuNs: 20 * MS, delayNs: 35 * MS };
    expect(duration({ main: delayed }, 1769)).toBeCloseTo(duration({ main: work }, 1769), 6);
    expect(duration({ main: work }, 1769)).toBeCloseTo(20, 6);
    expect(duration({ mainWaitedNs: 100 * MS }, 512)).toBeCloseTo(100, 6);
    // The mixed handler: 20 ms of CPU at 1024 MB, then its 50 ms wait on top.
    expect(duration({ main: work, mainWaitedNs: 50 * MS }, 1024)).toBeCloseTo(
      quotaTimeNs(20 * MS, 1024 / 1769, 1) / MS + 50,
      6,
    );
  });

  test('a wait between bursts lets the next burst start in a fresh period, as the quota refills on Lambda', () => {
    // One burst and no wait is the quota model itself.
    for (const [work, share, parallelism] of [
      [3, 1024 / 1769, 1],
      [20, 1024 / 1769, 1],
      [5, 256 / 1769, 1],
      [40, 2, 2],
      [30, 1, 1.5],
    ] as const)
      expect(timelineNs([work * MS], [], share, parallelism) / MS).toBeCloseTo(
        quotaTimeNs(work * MS, share, parallelism) / MS,
        6,
      );
    // The mixed handler at 512 MB, 10 ms of CPU, a 50 ms wait, 10 ms of CPU, worked by hand: the
    // first burst spends period 0's 5.79 ms and ends at 24.21 ms in period 1; the wait ends at
    // 74.21 ms with period 3's quota untouched, which runs out at 80 ms; 4.21 ms in period 4.
    const share = 512 / 1769;
    const q = share * 20;
    expect(timelineNs([10 * MS, 10 * MS], [50 * MS], share, 1) / MS).toBeCloseTo(80 + (10 - q), 6);
    // What the service does with it: the client said it slept once.
    const mixed = { main: { cpuNs: 20 * MS, delayNs: 0 }, mainWaitedNs: 50 * MS };
    expect(duration({ ...mixed, mainSleeps: 1 }, 512)).toBeCloseTo(80 + (10 - q), 6);
    // Not said (an OS-only runtime): the wait comes after all the work, one period more here.
    expect(duration(mixed, 512)).toBeCloseTo(quotaTimeNs(20 * MS, share, 1) / MS + 50, 6);
    // A 100 ms timer at 128 MB whose runtime spends 2 ms of CPU around it: over the 1.45 ms
    // quota as one burst, within it as two: 102 ms, not a period more.
    const timer = { main: { cpuNs: 2 * MS, delayNs: 0 }, mainWaitedNs: 100 * MS, mainSleeps: 1 };
    expect(duration(timer, 128)).toBeCloseTo(102, 6);
    expect(duration({ ...timer, mainSleeps: 0 }, 128)).toBeCloseTo(20 + 2 - (128 / 1769) * 20 + 100, 6);
    // A runtime may claim any count: it is bounded, and the result stays the work and the waits.
    const claimed = duration({ ...timer, mainSleeps: 1e15 }, 128);
    expect(claimed).toBeGreaterThan(101.99);
    expect(claimed).toBeLessThan(125);
  });

  test('a worker the main thread awaits counts as work, not as a wait, and runs on a second vCPU only beside other work', () => {
    // The main thread waits 20 ms while a worker computes for 20 ms: 20 ms of work at 1,769 MB.
    const worker = { cpuNs: 20 * MS, delayNs: 0 };
    expect(
      duration({ main: { cpuNs: 0.2 * MS, delayNs: 0 }, others: worker, mainWaitedNs: 20 * MS }, 1769),
    ).toBeCloseTo(20.2, 6);
    // Two threads busy at once for 20 ms each: two vCPUs' quota at 3,538 MB takes 20 ms; one
    // vCPU's at 1,769 MB is spent in the first 10 ms, and the rest runs in the next period: 30.
    const both = { main: worker, others: worker, mainWaitedNs: 0 };
    expect(duration(both, 3538)).toBeCloseTo(20, 6);
    expect(duration(both, 1769)).toBeCloseTo(30, 6);
  });

  test("other threads' wait for a CPU comes off the main thread's wait only where it waited for them", () => {
    // A worker awaited throughout, held up 15 ms by the host: its delay is not Duration.
    const awaited = { main: { cpuNs: 0.2 * MS, delayNs: 0 }, mainWaitedNs: 35 * MS };
    expect(duration({ ...awaited, others: { cpuNs: 20 * MS, delayNs: 15 * MS } }, 1769)).toBeCloseTo(20.2, 6);
    // 7 ms of CPU around a 100 ms timer at 512 MB, helper threads busy 1.5 ms beside it: read the
    // same whether the host held the helpers up for 0 or 12 ms (it read 12 ms less before).
    const timer = { main: { cpuNs: 7 * MS, delayNs: 4 * MS }, mainWaitedNs: 100 * MS, mainSleeps: 1 };
    const helpersFree = duration({ ...timer, others: { cpuNs: 1.5 * MS, delayNs: 0 } }, 512);
    expect(duration({ ...timer, others: { cpuNs: 1.5 * MS, delayNs: 12 * MS } }, 512)).toBeCloseTo(helpersFree, 6);
    expect(helpersFree).toBeGreaterThan(100);
    // In between (busy for half the wait), half of their delay comes off.
    const half = { main: { cpuNs: 1 * MS, delayNs: 0 }, mainWaitedNs: 40 * MS };
    expect(duration({ ...half, others: { cpuNs: 10 * MS, delayNs: 10 * MS } }, 1769)).toBeCloseTo(
      1 + 10 + 40 - 10 - 5,
      6,
    );
  });

  test('INIT is boosted; a lasting speed factor scales the CPU work', () => {
    const work = { main: { cpuNs: 20 * MS, delayNs: 0 } };
    expect(duration(work, 128, { boosted: true })).toBeCloseTo(20, 6);
    expect(duration(work, 128)).toBeGreaterThan(100);
    expect(duration(work, 1769, { speedFactor: 2 })).toBeCloseTo(10, 6);
  });
});

describe("the kernel's per-thread accounting", () => {
  test('splits the main thread from the rest, counts new threads from zero and drops ended ones', () => {
    const start = new Map([
      [10, { cpuNs: 5 * MS, delayNs: 1 * MS }],
      [11, { cpuNs: 2 * MS, delayNs: 0 }],
      [12, { cpuNs: 9 * MS, delayNs: 0 }],
    ]);
    const end = new Map([
      [10, { cpuNs: 8 * MS, delayNs: 4 * MS }],
      [11, { cpuNs: 3 * MS, delayNs: 0.5 * MS }],
      [13, { cpuNs: 1 * MS, delayNs: 0 }],
    ]);
    const reported = activityBetween(start, end, 10, { reportedNs: 7 * MS, wallNs: 50 * MS });
    expect(reported).toEqual({
      main: { cpuNs: 3 * MS, delayNs: 3 * MS },
      others: { cpuNs: 2 * MS, delayNs: 0.5 * MS },
      mainWaitedNs: 7 * MS,
      mainSleeps: 0,
    });
    expect(activityBetween(start, end, 10, { reportedNs: 7 * MS, sleeps: 3, wallNs: 50 * MS }).mainSleeps).toBe(3);
    // Without the runtime's own figure: the wall time less the main thread's CPU and delay, and
    // sleeps unknown.
    expect(activityBetween(start, end, 10, { wallNs: 50 * MS })).toMatchObject({
      mainWaitedNs: 44 * MS,
      mainSleeps: 0,
    });
  });

  test('reads this process in nanoseconds where the host can account', () => {
    const unavailable = threadAccountingUnavailable();
    if (process.platform === 'linux') expect(unavailable).toBeUndefined();
    else expect(unavailable).toMatch(/not Linux/);
    if (unavailable) return;
    const threads = snapshotThreads(process.pid);
    const own = threads.get(process.pid);
    expect(own?.cpuNs).toBeGreaterThan(0);
    expect(Number.isInteger(own?.cpuNs)).toBe(true);
  });

  test('the model clock is chosen where it can run; the wall clock when asked, and each says so', () => {
    const wall = chooseClock('wall');
    expect(wall).toMatchObject({ kind: 'wall', statement: expect.stringMatching(/wall clock \(asked for\)/) });
    const model = chooseClock('model');
    const reason = threadAccountingUnavailable();
    if (reason)
      expect(model).toMatchObject({ kind: 'wall', fallbackReason: reason, statement: expect.stringContaining(reason) });
    else expect(model).toMatchObject({ kind: 'model', statement: expect.stringMatching(/model clock/) });
  });

  test('the service refuses an unknown clock at start, naming the valid ones', async () => {
    await expect(startLocalLambda({ port: 0, clock: 'sundial' as 'model' })).rejects.toThrow(
      /clock must be one of model, wall, got "sundial"/,
    );
  });
});
