import { DeleteFunctionCommand } from '@aws-sdk/client-lambda';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Cgroups } from '../../src/local-lambda/host/cgroups.js';
import { Reaper } from '../../src/local-lambda/host/reaper.js';
import { startLocalLambda } from '../../src/local-lambda/service.js';
import { deploy, invoke, startTestService } from '../helpers/local-service.js';
import { skipBecause } from '../helpers/host-needs.js';

/** Alive and not a zombie (a zombie has exited; only its parent's bookkeeping is left). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Polls until none of the processes is alive, for at most `boundMs`; returns those still alive. */
async function survivors(pids: number[], boundMs = 15_000): Promise<number[]> {
  const deadline = Date.now() + boundMs;
  let left = pids.filter(alive);
  while (left.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = left.filter(alive);
  }
  return left;
}

interface Doomed {
  readonly service: number;
  readonly pids: number[];
  readonly directories: string[];
}

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});

async function startDoomed(...args: string[]): Promise<{ doomed: Doomed; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '__tests__/fixtures/doomed-service.ts', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  started.push(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the service process exited (${code}) before it was ready`)));
  });
  return { doomed: JSON.parse(line) as Doomed, exited };
}

const CLAIMS = '/run/lambda-perf-gate-ids';

describe('no process outlives the service', () => {
  test.each([
    ['without', []],
    ['with', ['throttle']],
  ])(
    'kill -9 of the service (%s CPU cgroups): every runtime and every child a function left, detached or not, exits; its directories go',
    async (_label, args) => {
      const { doomed, exited } = await startDoomed(...(args as string[]));
      // node runtime, its setsid child, its double-forked grandchild; python runtime, its setsid child; a runtime that ignores errors.
      expect(doomed.pids).toHaveLength(6);
      expect(doomed.pids.every(alive)).toBe(true);
      const claimsOf = (): string[] =>
        existsSync(CLAIMS)
          ? readdirSync(CLAIMS).filter((id) => readFileSync(join(CLAIMS, id), 'utf8') === String(doomed.service))
          : [];
      if (process.getuid?.() === 0) expect(claimsOf().length).toBeGreaterThan(0);
      const hadGroups = cgroupsOf(doomed.service).length > 0;
      process.kill(doomed.service, 'SIGKILL');
      await exited;
      expect(await survivors(doomed.pids)).toEqual([]);
      const deadline = Date.now() + 10_000;
      while (doomed.directories.some((name) => existsSync(join(tmpdir(), name))) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(doomed.directories.filter((name) => existsSync(join(tmpdir(), name)))).toEqual([]);
      expect(doomed.directories.length).toBeGreaterThanOrEqual(2);
      // Where it ran as root, the user ids it claimed are given back too (by its reaper).
      while (claimsOf().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(claimsOf()).toEqual([]);
      // So are its cgroup directories, in every hierarchy: its own and its environments' groups.
      if (hadGroups) {
        while (cgroupsOf(doomed.service).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect(cgroupsOf(doomed.service)).toEqual([]);
      }
    },
    90_000,
  );

  test('a new service removes what a service killed together with its reaper left: its cgroups and the processes in them', async () => {
    const { doomed, exited } = await startDoomed('throttle');
    const left = cgroupsOf(doomed.service);
    if (!left.length) return skipBecause('cgroups for the service');
    const reaper = tree(doomed.service).find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1] === '-e';
      } catch {
        return false;
      }
    });
    expect(reaper).toBeDefined();
    process.kill(reaper!, 'SIGKILL');
    process.kill(doomed.service, 'SIGKILL');
    await exited;
    try {
      // Nobody cleaned up: the groups stay, and the children the functions detached live on in them.
      expect(cgroupsOf(doomed.service)).toEqual(left);
      expect(doomed.pids.some(alive)).toBe(true);
      // One that does not throttle CPU still sweeps the cpu hierarchy.
      const next = await startLocalLambda({ cpuThrottle: false });
      await next.stop();
      expect(cgroupsOf(doomed.service)).toEqual([]);
      expect(await survivors(doomed.pids)).toEqual([]);
    } finally {
      forceRemoveGroups(doomed.service);
      for (const name of doomed.directories) rmSync(join(tmpdir(), name), { recursive: true, force: true });
      if (existsSync(CLAIMS))
        for (const id of readdirSync(CLAIMS))
          if (readFileSync(join(CLAIMS, id), 'utf8') === String(doomed.service))
            rmSync(join(CLAIMS, id), { force: true });
    }
  }, 90_000);

  test('a function that kills the service with SIGKILL takes every runtime down with it', async () => {
    const { doomed, exited } = await startDoomed('patricide');
    await exited;
    expect(await survivors([...doomed.pids, doomed.service])).toEqual([]);
  }, 90_000);

  test('a child a function detached (setsid) dies with its environment, not later', async () => {
    const t = await startTestService({ cpuThrottle: false });
    try {
      const name = await deploy(t.client, {
        'index.js': `exports.handler = async () => {
          const child = require('node:child_process').spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
          child.unref();
          return [process.pid, child.pid];
        };`,
      });
      const [runtime, detached] = (await invoke(t.client, name)).json as [number, number];
      expect(alive(detached)).toBe(true);
      // Deleting the function retires its environment.
      await t.client.send(new DeleteFunctionCommand({ FunctionName: name }));
      expect(await survivors([runtime, detached])).toEqual([]);
    } finally {
      await t.close();
    }
  }, 60_000);

  test('when the service goes, its reaper empties and removes every environment group, also one it was never told of and a frozen one', async () => {
    const cgroups = new Cgroups(['cpu', 'freezer', 'pids']);
    if (!cgroups.directories.length) return skipBecause('cgroups for the service');
    const reaper = new Reaper();
    const children: ChildProcess[] = [];
    try {
      expect(reaper.running).toBe(true);
      for (const directory of cgroups.directories) reaper.removeGroupOnExit(directory);
      // Two environments the reaper never hears of (a service killed before its lines left),
      // each holding a detached child; one of them frozen, as a paused environment is.
      for (const frozen of [false, true]) {
        const group = cgroups.createGroup()!;
        const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' });
        children.push(child);
        for (const file of group.procsFiles) writeFileSync(file, String(child.pid));
        if (frozen)
          expect(
            group.version('freezer') === 2
              ? group.write('freezer', 'cgroup.freeze', '1')
              : group.write('freezer', 'freezer.state', 'FROZEN'),
          ).toBe(true);
      }
      const pids = children.map((child) => child.pid!);
      expect(pids.every(alive)).toBe(true);
      expect(cgroupsOf(process.pid).length).toBeGreaterThan(0);
      reaper.dispose();
      expect(await survivors(pids)).toEqual([]);
      const deadline = Date.now() + 10_000;
      while (cgroupsOf(process.pid).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(cgroupsOf(process.pid)).toEqual([]);
    } finally {
      reaper.dispose();
      forceRemoveGroups(process.pid);
      for (const child of children) child.kill('SIGKILL');
    }
  }, 60_000);

  test("a dead service's reaper kills by user id only while the id's claim is still the service's", async () => {
    if (process.getuid?.() !== 0) return skipBecause('root (to run processes as another user)');
    const claims = mkdtempSync(join(tmpdir(), 'lpg-claims-'));
    const children: ChildProcess[] = [];
    try {
      // Two ids the environment ran as: one still claimed by this process (the reaper's service),
      // one another service has taken over since. A process of each runs with no marker and no group.
      const [kept, taken] = [61_901, 61_902];
      writeFileSync(join(claims, String(kept)), String(process.pid));
      writeFileSync(join(claims, String(taken)), '1');
      const reaper = new Reaper();
      for (const uid of [kept, taken]) {
        const child = spawn('sleep', ['300'], { uid, gid: uid, detached: true, stdio: 'ignore' });
        children.push(child);
        reaper.removeClaimOnExit(join(claims, String(uid)));
        reaper.track({ id: `env-${uid}`, pgid: 999_999, marker: 'LPG_NOT_SET=1', uid });
      }
      const [ours, theirs] = children.map((child) => child.pid!);
      await new Promise((r) => setTimeout(r, 200));
      expect([ours, theirs].every((pid) => alive(pid!))).toBe(true);
      reaper.dispose();
      expect(await survivors([ours!])).toEqual([]);
      expect(alive(theirs!)).toBe(true);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      rmSync(claims, { recursive: true, force: true });
    }
  }, 30_000);

  test('a start that fails on a busy port leaves no directory and no cgroup behind', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const ours = (): string[] =>
      readdirSync(tmpdir())
        .filter((entry) => entry.startsWith('lambda-perf-gate-'))
        .sort();
    const groups = (): string[] => cgroupsOf(process.pid);
    const before = { directories: ours(), groups: groups() };
    try {
      await expect(startLocalLambda({ port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      blocker.close();
    }
    expect(ours()).toEqual(before.directories);
    expect(groups()).toEqual(before.groups);
  });
});

/** A process and all its descendants, from /proc. */
function tree(root: number): number[] {
  const found = [root];
  for (let i = 0; i < found.length; i++) {
    try {
      for (const child of readFileSync(`/proc/${found[i]}/task/${found[i]}/children`, 'utf8')
        .split(' ')
        .filter(Boolean))
        found.push(Number(child));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

describe('no process outlives the gate', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lpg-orphans-'));
    mkdirSync(join(dir, 'build'));
    writeFileSync(
      join(dir, 'build', 'index.js'),
      'exports.handler = async () => { await new Promise((r) => setTimeout(r, 50)); return { ok: true }; };',
    );
    const config = {
      region: 'us-east-1',
      functions: [
        {
          name: 'fn',
          runtime: 'nodejs20.x',
          handler: 'index.handler',
          baseline: './build',
          candidate: './build',
          memory: [512, 1024],
          exemplars: [{ name: 'e', event: {} }],
        },
      ],
      sampling: { 'pairs-per-environment': 3, batch: 100, 'max-environment-pairs': 500, concurrency: 4, seed: 1 },
    };
    writeFileSync(join(dir, 'lambda-perf.json'), JSON.stringify(config));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each(['SIGINT', 'SIGTERM'] as const)(
    '%s to `run --local` mid-run leaves no runtime behind',
    async (signal) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/cli/index.ts', 'run', '--local', '--config', join(dir, 'lambda-perf.json'), '--quiet'],
        {
          env: { ...process.env, NODE_OPTIONS: '' },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      started.push(child);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const seen = new Set<number>();
      const deadline = Date.now() + 60_000;
      // Until several environments run, and a little longer, so that the signal lands mid-run.
      while (Date.now() < deadline && [...seen].length < 6) {
        for (const pid of tree(child.pid!)) seen.add(pid);
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const pid of tree(child.pid!)) seen.add(pid);
      child.kill(signal);
      await exited;
      seen.delete(child.pid!);
      expect(seen.size).toBeGreaterThanOrEqual(5);
      expect(await survivors([...seen])).toEqual([]);
    },
    120_000,
  );
});

/** Whatever a test left in a dead service's cgroups: thawed, killed and removed. */
function forceRemoveGroups(pid: number): void {
  for (let round = 0; round < 50 && cgroupsOf(pid).length; round++) {
    for (const root of cgroupsOf(pid)) {
      let groups: string[];
      try {
        groups = readdirSync(root, { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => join(root, entry.name));
      } catch {
        continue;
      }
      for (const group of [...groups, root]) {
        try {
          if (existsSync(join(group, 'freezer.state'))) writeFileSync(join(group, 'freezer.state'), 'THAWED');
          for (const line of readFileSync(join(group, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean))
            process.kill(Number(line), 'SIGKILL');
          rmdirSync(group);
        } catch {
          // Not empty yet: the next round.
        }
      }
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

/** The cgroups a service made (named after its pid), in every hierarchy (cpu, freezer, pids; or v2's). */
function cgroupsOf(pid: number): string[] {
  const found: string[] = [];
  for (const root of ['/sys/fs/cgroup', '/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct']) {
    const walk = (directory: string, depth: number): void => {
      let entries: string[];
      try {
        entries = readdirSync(directory);
      } catch {
        return;
      }
      for (const entry of entries) {
        if (entry.startsWith(`lambda-perf-gate-${pid}-`)) found.push(join(directory, entry));
        else if (depth > 0 && !entry.includes('.')) walk(join(directory, entry), depth - 1);
      }
    };
    walk(root, 2);
  }
  return [...new Set(found)].sort();
}
