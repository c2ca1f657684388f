import {
  CpuPlacement,
  environmentCpusProblem,
  LINUX_HOST,
  parseCpuList,
  type PlacementHost,
} from '../../src/local-lambda/host/cpu-placement.js';
import { threadAccountingUnavailable } from '../../src/local-lambda/host/thread-times.js';
import { hashingHandler } from '../helpers/hashing.js';
import { deploy, invoke, startTestService } from '../helpers/local-service.js';
import { testIf } from '../helpers/host-needs.js';

/** A host of these CPUs whose `taskset` binds to any of them (or says why not), recording each try. */
function fakeHost(cpus: number[] | undefined, refuse?: string): PlacementHost & { tried: string[] } {
  const tried: string[] = [];
  return {
    tried,
    cpus: () => cpus,
    taskset: (list) => {
      tried.push(list);
      return refuse ? { reason: refuse } : { path: '/usr/bin/taskset' };
    },
  };
}

describe('CPU lists', () => {
  test.each([
    ['1', [1]],
    ['0,2', [0, 2]],
    ['2-3,6', [2, 3, 6]],
    ['3,1-2,1', [1, 2, 3]],
  ])('%s reads as %j', (list, cpus) => {
    expect(parseCpuList(list)).toEqual(cpus);
  });

  test.each(['', 'a', '1,', '3-1', '-1', '1 2', '0-99999'])('%j is not a list', (list) => {
    expect(parseCpuList(list)).toBeUndefined();
  });

  test('a requested list is checked against the CPUs this service may use', () => {
    expect(environmentCpusProblem(undefined, [0, 1])).toBeUndefined();
    expect(environmentCpusProblem('all', [0, 1])).toBeUndefined();
    expect(environmentCpusProblem('0-1', [0, 1])).toBeUndefined();
    expect(environmentCpusProblem('1,5', [0, 1])).toBe('1,5: CPU 5 is not one this service may use (0, 1)');
    expect(environmentCpusProblem('one', [0, 1])).toBe('must be "all" or a CPU list such as 1, 0,2 or 2-3, got "one"');
    expect(() => new CpuPlacement('7', 'model', fakeHost([0, 1]))).toThrow(/^environmentCpus 7: CPU 7 is not one/);
  });
});

describe('where environments run', () => {
  const command: [string, string[]] = ['/usr/bin/node', ['bootstrap.js']];

  test('the model clock binds every environment to the last CPU this service may use', () => {
    const host = fakeHost([0, 2, 3]);
    const placement = new CpuPlacement(undefined, 'model', host);
    expect(host.tried).toEqual(['3']);
    expect(placement.status).toEqual({
      enabled: true,
      mechanism: 'taskset',
      cpus: '3',
      limitation: false,
      statement:
        'Every environment starts bound to CPU 3 of 0, 2, 3, so that what else runs there weighs on the builds compared alike.',
    });
    expect(placement.wrap(command)).toEqual(['/usr/bin/taskset', ['--cpu-list', '3', '/usr/bin/node', 'bootstrap.js']]);
  });

  test('a list of several CPUs is bound, but the scheduler still places them apart within it', () => {
    const status = new CpuPlacement('3,1-2', 'model', fakeHost([0, 1, 2, 3])).status;
    expect(status).toMatchObject({ enabled: true, cpus: '1,2,3', limitation: true });
    expect(status.statement).toBe(
      'Every environment starts bound to CPUs 1,2,3; within them, environments the scheduler places apart may measure apart on a busy host.',
    );
  });

  test('the wall clock, a one-CPU host and "all" leave them to the scheduler', () => {
    const wall = new CpuPlacement(undefined, 'wall', fakeHost([0, 1]));
    expect(wall.status).toEqual({
      enabled: false,
      mechanism: 'none',
      cpus: 'all',
      limitation: false,
      statement:
        "Environments run on any CPU (the wall clock's default): environments the scheduler places apart may measure apart on a busy host.",
    });
    expect(wall.wrap(command)).toBe(command);
    expect(new CpuPlacement(undefined, 'model', fakeHost([0])).status).toMatchObject({
      enabled: false,
      limitation: false,
      statement: 'Environments run on the one CPU this service may use (0).',
    });
    const unbound = new CpuPlacement('all', 'model', fakeHost([0, 1])).status;
    expect(unbound.statement).toMatch(/^Environments run on any CPU: environments the scheduler places apart/);
    expect(unbound.limitation).toBe(true);
    expect(new CpuPlacement('0', 'wall', fakeHost([0, 1])).status.cpus).toBe('0');
  });

  test('a taskset that is missing or refuses leaves them unbound, and says why', () => {
    const placement = new CpuPlacement(undefined, 'model', fakeHost([0, 1], 'taskset was not found in /usr/bin'));
    expect(placement.status).toMatchObject({ enabled: false, mechanism: 'none', cpus: 'all', limitation: true });
    expect(placement.status.statement).toBe(
      'Environments are NOT bound to CPU 1 (taskset was not found in /usr/bin): environments the scheduler places apart may measure apart on a busy host.',
    );
    expect(placement.wrap(command)).toBe(command);
    expect(new CpuPlacement(undefined, 'model', fakeHost(undefined)).status.statement).toMatch(
      /^Environments are NOT bound to one CPU \(this service could not read which CPUs it may use\)/,
    );
  });

  test("this host's taskset says why it cannot bind to a CPU that does not exist", () => {
    const tried = LINUX_HOST.taskset('4095');
    expect(tried).toEqual({ reason: expect.stringMatching(/^(taskset --cpu-list 4095 failed|taskset was not found)/) });
  });
});

// What the function itself reads from /proc/self/status: the CPUs the kernel lets it run on.
const AFFINITY_HANDLER = `const { readFileSync } = require('node:fs');
const { execFileSync } = require('node:child_process');
const list = (text) => /^Cpus_allowed_list:\\s*(\\S+)/m.exec(text)[1];
exports.handler = async () => ({
  main: list(readFileSync('/proc/self/status', 'utf8')),
  child: list(execFileSync('cat', ['/proc/self/status'], { encoding: 'utf8' })),
});`;

/** Hashes until the wall clock reads `event.until` (ms since the epoch). */
const BUSY_UNTIL = `const { createHash } = require('node:crypto');
const block = Buffer.alloc(64 * 1024, 7);
exports.handler = async (event) => {
  let h = 0;
  while (Date.now() < event.until) h ^= createHash('sha256').update(block).digest()[0];
  return h;
};`;

const host = LINUX_HOST.cpus();
const modelClock = threadAccountingUnavailable() === undefined;
const canPin = modelClock && host !== undefined && host.length > 1 && 'path' in LINUX_HOST.taskset(String(host.at(-1)));
if (!canPin)
  console.warn('Skipping the live CPU placement tests: they need the model clock, two CPUs or more, and taskset');

describe('environments on the local service', () => {
  testIf(canPin, 'the model clock, two CPUs or more, and taskset')(
    'run on the one CPU /local/info states by default, their child processes too',
    async () => {
      const t = await startTestService();
      try {
        const { cpuPlacement, limitations } = t.service.info();
        expect(cpuPlacement.cpus).toBe(String(host!.at(-1)));
        expect(limitations).not.toContain(cpuPlacement.statement);
        const name = await deploy(t.client, { 'index.js': AFFINITY_HANDLER });
        expect((await invoke(t.client, name)).json).toEqual({ main: cpuPlacement.cpus, child: cpuPlacement.cpus });
      } finally {
        await t.close();
      }
    },
  );

  testIf(canPin, 'the model clock, two CPUs or more, and taskset')(
    'run on any CPU this service may use with environmentCpus "all"',
    async () => {
      const t = await startTestService({ environmentCpus: 'all' });
      try {
        const info = t.service.info();
        expect(info.cpuPlacement.cpus).toBe('all');
        // Under the model clock that is a way the service may measure apart from Lambda: it says so.
        expect(info.limitations).toContain(info.cpuPlacement.statement);
        const name = await deploy(t.client, { 'index.js': AFFINITY_HANDLER });
        const { main } = (await invoke(t.client, name)).json as { main: string };
        expect(parseCpuList(main)).toEqual(host);
      } finally {
        await t.close();
      }
    },
  );

  // Three other environments busy on the same CPU leave a function a quarter of it: its wall
  // time runs past its timeout, its modelled time does not, and only the modelled time is
  // Lambda's. (Busy loops of the test's own would not do: each environment is a session of its
  // own, and where the kernel weighs sessions alike (autogroup, as here) a function beside any
  // number of them still gets half the CPU.)
  testIf(canPin, 'the model clock, two CPUs or more, and taskset')(
    'a function kept off its CPU by other environments does not time out for their sake; one that runs long still does',
    async () => {
      const t = await startTestService();
      try {
        const busy = await deploy(t.client, { 'index.js': BUSY_UNTIL }, { MemorySize: 1769, Timeout: 30 });
        // About 4.5 ms of CPU per 100 digests here (cpu-scaling.test.ts): 0.45 s and 1.35 s.
        const name = await deploy(
          t.client,
          { 'index.js': hashingHandler('event.n') },
          { MemorySize: 1769, Timeout: 1 },
        );
        await invoke(t.client, name, { n: 1 });
        const until = Date.now() + 6000;
        const others = [1, 2, 3].map(() => invoke(t.client, busy, { until }));
        await new Promise((resume) => setTimeout(resume, 500));
        const startedAt = Date.now();
        const within = await invoke(t.client, name, { n: 10_000 });
        const wallMs = Date.now() - startedAt;
        expect(within.report.status).toBe('success');
        expect(within.report.durationMs).toBeLessThan(1000);
        // The case in point: on the wall clock it ran past its timeout.
        expect(wallMs).toBeGreaterThan(1000);
        const over = await invoke(t.client, name, { n: 30_000 });
        expect(over.report.status).toBe('timeout');
        expect(over.report.durationMs).toBe(1000);
        for (const other of await Promise.all(others)) expect(other.report.status).toBe('success');
      } finally {
        await t.close();
      }
    },
    30_000,
  );

  test('a CPU the service may not use is refused at start', async () => {
    await expect(startTestService({ environmentCpus: '4096' })).rejects.toThrow(
      /environmentCpus 4096: CPU 4096 is not one this service may use/,
    );
  });
});
