import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLambdaClient } from '../../src/lambda/client.js';
import { CLI } from '../helpers/cli-process.js';
import { deploy, invoke, startTestService } from '../helpers/local-service.js';
import { testIf } from '../helpers/host-needs.js';

/** The servers that listen in this process now: by identity, so that a previous test file's server that closes meanwhile counts for nothing. */
const servers = (): Set<unknown> =>
  new Set(
    (process as unknown as { _getActiveHandles(): unknown[] })
      ._getActiveHandles()
      .filter((handle) => handle instanceof Server && handle.listening),
  );

const limitsDirectories = (): string[] =>
  readdirSync(tmpdir()).filter((name) => name.startsWith('lambda-perf-gate-tmp-'));

/** The environments' directories this process's services hold: their groups, and their /tmp in `limits`. */
function environmentDirectories(limits: readonly string[]): string[] {
  const found: string[] = [];
  const ours = `lambda-perf-gate-${process.pid}-`;
  for (const controller of ['cpu', 'freezer', 'pids']) {
    const hierarchy = join('/sys/fs/cgroup', controller);
    if (!existsSync(hierarchy)) continue;
    for (const group of readdirSync(hierarchy).filter((name) => name.startsWith(ours)))
      for (const entry of readdirSync(join(hierarchy, group), { withFileTypes: true }))
        if (entry.isDirectory()) found.push(join(hierarchy, group, entry.name));
  }
  for (const directory of limits)
    for (const entry of readdirSync(join(tmpdir(), directory))) found.push(join(tmpdir(), directory, entry));
  return found;
}

describe('a runtime that cannot be spawned', () => {
  test('answers every invoke with an error, leaves no listener, cgroup or /tmp behind, and the service still stops', async () => {
    const before = servers();
    const listeners = (): number => [...servers()].filter((server) => !before.has(server)).length;
    const othersLimits = new Set(limitsDirectories());
    // A NUL in the program's name makes spawn() throw before any process exists.
    const t = await startTestService({ cpuThrottle: false, nodeBinary: `${process.execPath}\0broken` });
    let closed = false;
    try {
      const name = await deploy(t.client, { 'index.js': 'exports.handler = async () => 1;' });
      const serving = listeners();
      // Its own, not those of services other processes run meanwhile.
      const limits = limitsDirectories().filter((name) => !othersLimits.has(name));
      expect(limits.length).toBeGreaterThan(0);
      for (let attempt = 0; attempt < 3; attempt++)
        await expect(invoke(t.client, name)).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
      expect(listeners()).toBe(serving);
      expect(environmentDirectories(limits)).toEqual([]);
      await t.close();
      closed = true;
      // A closed server's handle goes on the next turns of the event loop.
      for (let turn = 0; turn < 50 && listeners() > 0; turn++) await new Promise((r) => setTimeout(r, 20));
      expect(listeners()).toBe(0);
    } finally {
      if (!closed) await t.close();
    }
  }, 60_000);
});

const prlimit = spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;
if (!prlimit) console.warn('Skipping the file-descriptor test: it needs prlimit.');

describe('a runtime whose spawn fails late (EMFILE: no file descriptor left for its pipes)', () => {
  testIf(prlimit, 'prlimit')(
    'answers with an error while the service keeps serving, and the service still stops on SIGTERM',
    async () => {
      // Under 90 descriptors the service runs out after about a dozen environments; Node then
      // reports the failed spawn as an 'error' event on the next turn, not by throwing. The limit
      // is set once the service listens: loading the sources through tsx opens many files at once,
      // and under 90 it failed to start in 1 of 10 tries (4 of 10 under 70).
      const service = spawn(process.execPath, [...CLI, 'local-lambda', '--port', '0', '--no-cpu-throttle'], {
        env: { ...process.env, NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      service.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      service.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => service.once('exit', (code) => resolve(code)));
      try {
        for (let wait = 0; wait < 300 && !/listening on http:/.test(output); wait++)
          await new Promise((r) => setTimeout(r, 100));
        const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
        if (endpoint === undefined) throw new Error(`The service did not start within 30 s:\n${output}`);
        const limited = spawnSync('prlimit', [`--pid=${service.pid}`, '--nofile=90:90'], { encoding: 'utf8' });
        expect(limited.stderr).toBe('');
        expect(limited.status).toBe(0);
        const client = createLambdaClient({ region: 'us-east-1', endpoint, maxAttempts: 1 });
        const errors: string[] = [];
        try {
          for (let attempt = 0; attempt < 30 && errors.length === 0 && service.exitCode === null; attempt++) {
            const name = await deploy(client, { 'index.js': 'exports.handler = async () => 1;' }, { MemorySize: 128 });
            const { output: answer, json } = await invoke(client, name);
            if (answer.FunctionError) errors.push((json as { errorType?: string }).errorType ?? 'unknown');
          }
        } finally {
          client.destroy();
        }
        expect(service.exitCode).toBeNull();
        expect(errors).toEqual(['Runtime.ExitError']);
        service.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        if (service.exitCode === null) service.kill('SIGKILL');
      }
    },
    180_000,
  );
});
