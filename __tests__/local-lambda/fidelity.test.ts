import { DeleteFunctionCommand, InvokeWithResponseStreamCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { parseReportLines } from '../../src/lambda/report-line.js';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Cgroups } from '../../src/local-lambda/host/cgroups.js';
import { Freezer } from '../../src/local-lambda/host/freezer.js';
import type { ServiceInfo } from '../../src/local-lambda/service.js';
import { deploy, invoke, rawRequest, startTestService, type TestService } from '../helpers/local-service.js';
import { THREAD_CPU_NS } from '../helpers/thread-cpu.js';
import { testIf } from '../helpers/host-needs.js';

/**
 * Node.js source of `burn(ms)`: busy until `cpuNs()` (defined by `clock`) has moved `ms`, CPU time
 * and not wall time, so the work is the same on any host.
 */
const burnOn = (clock: string): string =>
  [
    clock,
    'function burn(ms) {',
    '  const end = cpuNs() + ms * 1e6;',
    '  let h = 1;',
    '  while (cpuNs() < end) for (let i = 0; i < 10000; i++) h = Math.imul(h ^ i, 16777619);',
    '  return h;',
    '}',
  ].join('\n');
/** On the process's CPU time, all threads, as getrusage counts it: steps of up to a scheduler tick. */
const BURN = burnOn(
  'const cpuNs = () => { const used = process.cpuUsage(); return (used.user + used.system) * 1000; };',
);
/** On the main thread's own CPU time: the process clock overshot a 0.3 ms target by 0.2-2.5 ms. */
const THREAD_BURN = burnOn(THREAD_CPU_NS);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const probe = new Cgroups(['cpu', 'freezer', 'pids']);
const host = {
  cpu: probe.version('cpu') !== undefined,
  freezer: probe.version('freezer') !== undefined,
  pids: probe.version('pids') !== undefined,
};
probe.dispose();

describe('the local service behaves like Lambda where a verdict or a bill depends on it', () => {
  let t: TestService;
  let info: ServiceInfo;
  beforeAll(async () => {
    t = await startTestService();
    info = (await (await rawRequest(t.service, { path: '/local/info' })).json()) as ServiceInfo;
  });
  afterAll(() => t.close());

  test('/local/info says what the service does: its clock, freezing, /tmp and process cap', () => {
    // Linux with per-thread accounting runs the model clock, which sets no CPU quota.
    expect(info.clock.kind).toBe('model');
    expect(info.cpuThrottling).toMatchObject({
      enabled: false,
      statement: expect.stringMatching(/model clock scales/),
    });
    expect(info.freezing.enabled).toBe(true);
    expect(info.freezing.mechanism).toBe(host.freezer ? 'cgroup-v1' : 'signals');
    expect(info.environmentLimits.processCap).toBe(host.pids);
    // Every shortfall is listed in plain words, and nothing is listed that the host does.
    expect(info.limitations).toHaveLength(
      (info.environmentLimits.privateTmp ? 0 : 1) + (host.pids ? 0 : 1) + (info.cpuPlacement.limitation ? 1 : 0),
    );
  });

  test("the model clock: an invocation's CPU through Lambda's quota, INIT boosted", async () => {
    const name = await deploy(
      t.client,
      { 'index.js': `${BURN}\nburn(60);\nexports.handler = async () => { burn(30); return null; };` },
      { MemorySize: 128 },
    );
    const cold = await invoke(t.client, name);
    const warm = await invoke(t.client, name);
    // 30 ms of CPU at 128 MB is 20 full periods of 1.45 ms each and 1.1 ms: about 401 ms. Counted
    // in CPU time, so a bound that holds on a loaded host too. The warm call's: the cold one also
    // holds the runtime's first-call work (lazy compilation), a few ms of CPU and so a few
    // periods more (460-520 ms in repeated runs, quiet), which a bound of 500 failed in CI.
    expect(warm.report.durationMs).toBeGreaterThanOrEqual(380);
    expect(warm.report.durationMs).toBeLessThan(500);
    expect(cold.report.durationMs).toBeGreaterThanOrEqual(380);
    // INIT's 60 ms of CPU (and the runtime's start) at full speed; under the quota it would be 830 ms.
    expect(cold.report.initDurationMs!).toBeLessThan(500);
  });

  test("the model clock counts a handler's own waits, in Node.js and Python, and a wait lets the quota refill", async () => {
    const node = await deploy(
      t.client,
      {
        // burn(30) at INIT: V8 compiles the loop then, on its own threads, not in a measured call.
        'index.js': `${THREAD_BURN}\nburn(30);\nexports.handler = async () => { burn(3.5); await new Promise((r) => setTimeout(r, 100)); burn(3.5); return null; };`,
      },
      { MemorySize: 512 },
    );
    const python = await deploy(
      t.client,
      {
        'app.py': [
          'import time',
          'def burn(ms):',
          '    end = time.process_time() + ms / 1000',
          '    while time.process_time() < end:',
          '        pass',
          'def main(event, context):',
          '    burn(3.5)',
          '    time.sleep(0.1)',
          '    burn(3.5)',
          '',
        ].join('\n'),
      },
      { MemorySize: 512, Runtime: 'python3.12', Handler: 'app.main' },
    );
    for (const name of [node, python]) {
      // The cold call and the first warm one are left out: V8 still compiled on its own threads
      // there (5-8 ms of CPU), which is not what this checks. Then the fastest of five: in a
      // whole-suite run beside two CPU hogs the median of five read 122.33 ms, other threads' CPU
      // (counted as the environment's work) pushing a side of the wait past its period's quota.
      for (let i = 0; i < 2; i++) await invoke(t.client, name);
      const durations: number[] = [];
      for (let i = 0; i < 5; i++) durations.push((await invoke(t.client, name)).report.durationMs);
      const fastest = Math.min(...durations);
      // The 100 ms wait is the thread's own (it slept): Duration holds it. At 512 MB the quota is
      // 5.8 ms of CPU per 20 ms period. Each side of the wait (3.5 ms and the runtime's own 1-2 ms)
      // fits in the quota of its own period, as on Lambda: about 100 + 9 ms. Taken as one burst,
      // the 8-10 ms would run out of quota in the first period and cost a period more (about 122 ms),
      // in every call.
      expect(fastest).toBeGreaterThanOrEqual(101);
      expect(fastest).toBeLessThan(117);
    }
  });

  test('work a handler leaves behind after its response is billed: Duration runs until the runtime asks for the next event', async () => {
    const name = await deploy(
      t.client,
      {
        'index.js': `${BURN}\nexports.handler = async () => { setImmediate(() => { burn(150); console.log('left-behind work done'); }); return 'answered'; };`,
      },
      { MemorySize: 1769 },
    );
    await invoke(t.client, name);
    const warm = await invoke(t.client, name);
    expect(warm.json).toBe('answered');
    // 150 ms of the process's CPU (helper threads included) takes well over 100 ms of wall time;
    // ending at the response would report about 1 ms.
    expect(warm.report.durationMs).toBeGreaterThanOrEqual(100);
    expect(warm.report.billedDurationMs).toBeGreaterThanOrEqual(100);
    // Its output belongs to this invocation, before END.
    expect(warm.log.indexOf('left-behind work done')).toBeGreaterThan(-1);
    expect(warm.log.indexOf('left-behind work done')).toBeLessThan(warm.log.indexOf('END RequestId'));
  });

  test('an idle environment is frozen: its timers do not run between invocations', async () => {
    const name = await deploy(t.client, {
      'index.js':
        'const ticks = []; let timer;\nexports.handler = async () => { timer ??= setInterval(() => ticks.push(Date.now()), 10); return ticks.splice(0); };',
    });
    await invoke(t.client, name);
    const idleFrom = Date.now();
    await sleep(1000);
    const idleTo = Date.now();
    const ticks = (await invoke(t.client, name)).json as number[];
    // Unfrozen, about 100 ticks fall in this window; the first 100 ms leave time for the freeze.
    expect(ticks.filter((at) => at > idleFrom + 100 && at < idleTo)).toEqual([]);
  });

  testIf(host.cpu, 'a cgroup cpu controller')(
    'INIT is not throttled by memory: 60 ms of CPU at load takes far less than the 830 ms a 128 MB quota would force',
    async () => {
      const name = await deploy(
        t.client,
        { 'index.js': `${BURN}\nburn(60);\nexports.handler = async () => null;` },
        { MemorySize: 128 },
      );
      const cold = await invoke(t.client, name);
      expect(cold.report.initDurationMs).toBeDefined();
      expect(cold.report.initDurationMs!).toBeLessThan(600);
    },
  );

  test('each environment has a /tmp of its own, of its EphemeralStorage size, gone with the environment', async () => {
    const files = {
      'index.js': [
        "const fs = require('node:fs'); const os = require('node:os'); const path = require('node:path');",
        'exports.handler = async (event) => {',
        '  const dir = os.tmpdir();',
        "  if (event.write) fs.writeFileSync(path.join(dir, 'mine'), event.write);",
        "  const seen = fs.existsSync(path.join(dir, 'mine')) ? fs.readFileSync(path.join(dir, 'mine'), 'utf8') : null;",
        "  const stat = fs.statfsSync('/tmp');",
        '  return { dir, seen, sizeMb: (stat.blocks * stat.bsize) / 1048576 };',
        '};',
      ].join('\n'),
    };
    const first = await deploy(t.client, files, { EphemeralStorage: { Size: 600 } });
    const second = await deploy(t.client, files);
    expect((await invoke(t.client, first, { write: 'first' })).json).toMatchObject({ seen: 'first' });
    const other = (await invoke(t.client, second)).json as { dir: string; seen: string | null; sizeMb: number };
    expect(other.seen).toBeNull();
    const again = (await invoke(t.client, first)).json as { dir: string; seen: string | null; sizeMb: number };
    expect(again.seen).toBe('first');
    if (info.environmentLimits.privateTmp) {
      expect(again.dir).toBe('/tmp');
      expect(again.sizeMb).toBe(600);
      expect(other.sizeMb).toBe(512);
      // The host's /tmp never saw the file.
      expect(existsSync('/tmp/mine')).toBe(false);
    } else {
      expect(again.dir).not.toBe(other.dir);
    }
    await t.client.send(new DeleteFunctionCommand({ FunctionName: first }));
    await t.client.send(new DeleteFunctionCommand({ FunctionName: second }));
    if (!info.environmentLimits.privateTmp) {
      await sleep(200);
      expect(existsSync(again.dir)).toBe(false);
    }
  });

  testIf(host.pids, 'a cgroup pids controller')(
    'an environment may run at most 1,024 processes and threads',
    async () => {
      const name = await deploy(t.client, {
        'index.js': [
          "const fs = require('node:fs');",
          'exports.handler = async () => {',
          "  const line = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\\n').find((l) => l.split(':')[1] === 'pids');",
          "  return fs.readFileSync('/sys/fs/cgroup/pids' + line.split(':')[2] + '/pids.max', 'utf8').trim();",
          '};',
        ].join('\n'),
      });
      expect((await invoke(t.client, name)).json).toBe('1024');
    },
  );
});

describe('options that keep the old behaviour', () => {
  testIf(host.cpu, 'a cgroup cpu controller')(
    'throttleInit (wall clock): INIT runs under the memory quota again (at least 830 ms for 60 ms of CPU at 128 MB)',
    async () => {
      const t = await startTestService({ clock: 'wall', throttleInit: true });
      try {
        expect(t.service.info().cpuThrottling.initThrottled).toBe(true);
        const name = await deploy(
          t.client,
          { 'index.js': `${BURN}\nburn(60);\nexports.handler = async () => null;` },
          { MemorySize: 128 },
        );
        // A lower bound the kernel enforces, so it holds on any host.
        expect((await invoke(t.client, name)).report.initDurationMs!).toBeGreaterThanOrEqual(800);
      } finally {
        await t.close();
      }
    },
  );

  test('freeze: false and privateTmp: false are stated as shortfalls in /local/info', async () => {
    const t = await startTestService({ freeze: false, privateTmp: false });
    try {
      const info = t.service.info();
      expect(info.freezing).toMatchObject({ enabled: false, mechanism: 'none' });
      expect(info.environmentLimits).toMatchObject({ privateTmp: false, ephemeralStorageEnforced: false });
      expect(info.limitations.join(' ')).toMatch(/NOT frozen/);
      expect(info.limitations.join(' ')).toMatch(/\/tmp is NOT private and EphemeralStorage is NOT enforced/);
    } finally {
      await t.close();
    }
  });
});

describe('freezing by signals where the cgroup freezer is not available', () => {
  test('a stopped process group gets no CPU until it is continued', async () => {
    const noFreezer = { version: () => undefined, unavailableReason: () => 'no freezer here' };
    const freezer = new Freezer(noFreezer);
    expect(freezer.status.mechanism).toBe('signals');
    const child = spawn(process.execPath, ['-e', 'setInterval(() => process.stdout.write("t"), 5)'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    try {
      while (!output) await sleep(20);
      const freeze = freezer.attach(undefined, child.pid)!;
      freeze.freeze();
      await sleep(100);
      const frozenAt = output.length;
      await sleep(300);
      expect(output.length).toBe(frozenAt);
      freeze.thaw();
      while (output.length === frozenAt) await sleep(20);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
});

describe('service options', () => {
  test('an unknown or malformed option is refused at start, naming what is valid', async () => {
    await expect(startTestService({ frezee: false } as never)).rejects.toThrow(
      /unknown option "frezee".*Valid options: .*freeze \(boolean\)/,
    );
    await expect(startTestService({ throttleInit: 'yes' } as never)).rejects.toThrow(
      /throttleInit must be a boolean, got "yes"/,
    );
    await expect(startTestService({ idleTimeoutMs: Number.NaN })).rejects.toThrow(
      /idleTimeoutMs must be a finite number/,
    );
  });
});

describe('the Node.js runtime', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());

  const TIMER_HANDLER = (waits: boolean): string =>
    `exports.handler = (event, context, callback) => { context.callbackWaitsForEmptyEventLoop = ${waits}; setTimeout(() => console.log('timer ran'), 100); callback(null, 'ok'); };`;

  test('a callback handler answers once the event loop is empty, unless callbackWaitsForEmptyEventLoop is false', async () => {
    const waiting = await deploy(t.client, { 'index.js': TIMER_HANDLER(true) });
    const waited = await invoke(t.client, waiting);
    expect(waited.json).toBe('ok');
    expect(waited.log.indexOf('timer ran')).toBeGreaterThan(-1);
    expect(waited.log.indexOf('timer ran')).toBeLessThan(waited.log.indexOf('END RequestId'));

    const eager = await deploy(t.client, { 'index.js': TIMER_HANDLER(false) });
    const answered = await invoke(t.client, eager);
    expect(answered.json).toBe('ok');
    // The environment is frozen with the timer pending; it fires in a later invocation.
    expect(answered.log).not.toContain('timer ran');
  });

  test('nodejs24.x refuses a callback handler at INIT, as AWS does, and runs an async one', async () => {
    const callbackStyle = await deploy(
      t.client,
      { 'index.js': 'exports.handler = (event, context, callback) => callback(null, 1);' },
      { Runtime: 'nodejs24.x' },
    );
    const refused = await invoke(t.client, callbackStyle);
    expect(refused.output.FunctionError).toBe('Unhandled');
    expect(JSON.parse(refused.payload)).toMatchObject({
      errorType: 'Runtime.CallbackHandlerDeprecated',
      errorMessage: expect.stringContaining('removed support for callback-based function handlers'),
    });
    const asyncStyle = await deploy(
      t.client,
      { 'index.js': 'exports.handler = async () => 1;' },
      { Runtime: 'nodejs24.x' },
    );
    expect((await invoke(t.client, asyncStyle)).json).toBe(1);
    const onNode22 = await deploy(
      t.client,
      { 'index.js': 'exports.handler = (event, context, callback) => callback(null, 1);' },
      { Runtime: 'nodejs22.x' },
    );
    expect((await invoke(t.client, onNode22)).json).toBe(1);
  });
});

async function streamed(
  client: LambdaClient,
  name: string,
): Promise<{ payload: string; complete: { ErrorCode?: string; ErrorDetails?: string; LogResult?: string } }> {
  const output = await client.send(
    new InvokeWithResponseStreamCommand({ FunctionName: name, LogType: 'Tail', Payload: Buffer.from('{}') }),
  );
  let payload = '';
  let complete = {};
  for await (const event of output.EventStream ?? []) {
    if (event.PayloadChunk?.Payload) payload += Buffer.from(event.PayloadChunk.Payload).toString('utf8');
    if (event.InvokeComplete) complete = event.InvokeComplete;
  }
  return { payload, complete };
}

describe('response streaming (InvokeWithResponseStream)', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());

  test('awslambda.streamifyResponse streams what the handler writes, then InvokeComplete with the log tail', async () => {
    const name = await deploy(t.client, {
      'index.js':
        "exports.handler = awslambda.streamifyResponse(async (event, stream) => { stream.write('part 1, '); stream.write('part 2'); stream.end(); });",
    });
    const { payload, complete } = await streamed(t.client, name);
    expect(payload).toBe('part 1, part 2');
    expect(complete.ErrorCode).toBeUndefined();
    const [report] = parseReportLines(Buffer.from(complete.LogResult ?? '', 'base64').toString('utf8'));
    expect(report?.durationMs).toBeGreaterThan(0);
  });

  test('a buffered handler answers through the stream too, and an error midway ends it with its type', async () => {
    const buffered = await deploy(t.client, { 'index.js': 'exports.handler = async () => ({ ok: true });' });
    expect(JSON.parse((await streamed(t.client, buffered)).payload)).toEqual({ ok: true });
    const failing = await deploy(t.client, {
      'index.js':
        "exports.handler = awslambda.streamifyResponse(async (event, stream) => { stream.write('half'); await new Promise((r) => setTimeout(r, 10)); throw new TypeError('broke midway'); });",
    });
    const { complete } = await streamed(t.client, failing);
    expect(complete.ErrorCode).toBe('TypeError');
    expect(complete.ErrorDetails).toContain('broke midway');
  });
});
