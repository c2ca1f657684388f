import { deploy, invoke, startTestService, type TestService } from '../helpers/local-service.js';
import { describeIf } from '../helpers/host-needs.js';

const root = process.getuid?.() === 0;
if (!root) console.warn('Skipping the isolation tests: they need the service to run as root.');

/** A function that tries each attack on the service and its neighbours and reports what worked. */
const HOSTILE = `const fs = require('node:fs');
const attempt = (fn) => { try { const value = fn(); return { ok: true, value: String(value).slice(0, 80) }; } catch (error) { return { ok: false, code: error.code }; } };
exports.handler = async (event) => ({
  uid: process.getuid(),
  serviceEnvironment: attempt(() => fs.readFileSync('/proc/' + event.servicePid + '/environ', 'latin1')),
  canaryInOwnEnvironment: Object.keys(process.env).filter((key) => key.startsWith('LPG_CANARY')),
  otherCode: attempt(() => fs.readFileSync(event.otherCode, 'utf8')),
  listCodeRoot: attempt(() => fs.readdirSync(require('node:path').dirname(process.env.LAMBDA_TASK_ROOT))),
  patchBootstrap: attempt(() => fs.appendFileSync(process.argv[1], '\\n// patched')),
  patchOwnCode: attempt(() => fs.appendFileSync(process.env.LAMBDA_TASK_ROOT + '/index.js', '\\n// patched')),
  shadow: attempt(() => fs.readFileSync('/etc/shadow', 'utf8')),
  signalService: attempt(() => process.kill(event.servicePid, 0)),
});`;

const SECRET = {
  'index.js': 'exports.handler = async () => process.env.LAMBDA_TASK_ROOT;',
  'secret.txt': "the neighbour's secret",
};

describeIf(root, 'root')('isolation, where the service runs as root', () => {
  let t: TestService;
  beforeAll(async () => {
    process.env.LPG_CANARY_SECRET = 'service-only';
    t = await startTestService({ cpuThrottle: false });
  });
  afterAll(async () => {
    delete process.env.LPG_CANARY_SECRET;
    await t.close();
  });

  test('the service says each environment has a user of its own', () => {
    expect(t.service.info().isolation).toMatchObject({ enabled: true });
  });

  test('a hostile function can read neither the service nor its neighbours, patch nothing, and signal nothing', async () => {
    const neighbour = await deploy(t.client, SECRET);
    const otherCode = `${String((await invoke(t.client, neighbour)).json)}/secret.txt`;
    const hostile = await deploy(t.client, { 'index.js': HOSTILE });
    const report = (await invoke(t.client, hostile, { servicePid: process.pid, otherCode })).json as Record<
      string,
      { ok: boolean; code?: string; value?: string } | number | string[]
    >;
    // With a private /tmp the neighbour's package is not even in the environment's mount namespace
    // (ENOENT), and the code root it can list holds its own package alone; without one, EACCES.
    const privateTmp = t.service.info().environmentLimits.privateTmp;
    const neighbourDirectory = otherCode.split('/').at(-2)!;
    expect(report.otherCode).toEqual({ ok: false, code: privateTmp ? 'ENOENT' : 'EACCES' });
    const listing = report.listCodeRoot as { ok: boolean; code?: string; value?: string };
    if (privateTmp) {
      expect(listing.ok).toBe(true);
      expect(listing.value).not.toContain(neighbourDirectory);
    } else expect(listing).toEqual({ ok: false, code: 'EACCES' });
    expect(report).toMatchObject({
      serviceEnvironment: { ok: false, code: 'EACCES' },
      canaryInOwnEnvironment: [],
      patchBootstrap: { ok: false, code: 'EACCES' },
      patchOwnCode: { ok: false, code: 'EACCES' },
      shadow: { ok: false, code: 'EACCES' },
      signalService: { ok: false, code: 'EPERM' },
    });
    expect(report.uid).toBeGreaterThanOrEqual(40_000);
    // Its own code it can still read and run, and the neighbour still runs.
    expect((await invoke(t.client, neighbour)).json).toBe(otherCode.replace(/\/secret\.txt$/, ''));
  }, 60_000);

  test('two environments of one function run as two users', async () => {
    const name = await deploy(t.client, {
      'index.js':
        'exports.handler = async () => { await new Promise((r) => setTimeout(r, 300)); return process.getuid(); };',
    });
    const uids = await Promise.all([invoke(t.client, name), invoke(t.client, name)]);
    expect(new Set(uids.map((u) => u.json)).size).toBe(2);
  }, 60_000);

  test("a double-forked grandchild's memory counts toward Max Memory Used", async () => {
    const name = await deploy(
      t.client,
      {
        'index.js': `exports.handler = async () => {
          require('node:child_process').execSync("sh -c '" + process.execPath + " -e \\"globalThis.x = Buffer.alloc(300 << 20, 1); setTimeout(() => 0, 3000)\\" >/dev/null 2>&1 &'");
          await new Promise((r) => setTimeout(r, 1500));
          return 'forked';
        };`,
      },
      { MemorySize: 1024 },
    );
    const result = await invoke(t.client, name);
    expect(result.json).toBe('forked');
    expect(result.report.maxMemoryUsedMb).toBeGreaterThanOrEqual(300);
  }, 60_000);
});

describeIf(root, 'root')('user ids, where two services share a host', () => {
  test('two services never hand out the same uid or gid, even starting from the same id, and give them back when they stop', async () => {
    const { Isolation } = await import('../../src/local-lambda/host/isolation.js');
    const a = new Isolation();
    const b = new Isolation();
    // The random start makes a collision rare, not impossible: force the worst case.
    const start = 45_000;
    for (const isolation of [a, b]) (isolation as unknown as { next: number }).next = start;
    const allocate = (isolation: InstanceType<typeof Isolation>): number =>
      (isolation as unknown as { allocate(): number }).allocate();
    const fromA = Array.from({ length: 20 }, () => allocate(a));
    const fromB = Array.from({ length: 20 }, () => allocate(b));
    expect(new Set([...fromA, ...fromB]).size).toBe(40);
    a.release();
    b.release();
    // Given back: a new service starting at the same place gets the first of them again.
    const c = new Isolation();
    (c as unknown as { next: number }).next = start;
    expect(allocate(c)).toBe(fromA[0]);
    c.release();
  });
});
