import { existsSync, readdirSync } from 'node:fs';
import { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploy, invoke, startTestService } from '../helpers/local-service.js';

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
