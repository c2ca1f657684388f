import { existsSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { deploy, invoke, startTestService, type TestService } from '../helpers/local-service.js';
import { skipBecause } from '../helpers/host-needs.js';

/** The places besides /tmp that code writes to by name (/var/lock links to /run/lock). */
const PLACES = ['/dev/shm', '/var/tmp', '/run/lock'].filter((place) => existsSync(place));
const MARK = `lpg-private-${process.pid}`;

/** Writes the mark in each place when asked, and says in which places it finds one. */
const HANDLER = `const fs = require('node:fs');
exports.handler = async (event) => {
  const seen = {};
  for (const place of ${JSON.stringify(PLACES)}) {
    const file = place + '/' + event.mark;
    seen[place] = fs.existsSync(file);
    if (event.write) fs.writeFileSync(file, 'x'.repeat(1024));
  }
  return seen;
};`;

let t: TestService;
beforeAll(async () => {
  t = await startTestService({ cpuThrottle: false });
});
afterAll(async () => {
  await t.close();
  for (const place of PLACES) rmSync(join(place, MARK), { force: true });
});

describe('/dev/shm, /var/tmp and /run/lock, where each environment has a private /tmp', () => {
  test('a file one environment writes there is seen by neither another environment nor the host, and goes with it', async () => {
    if (!t.service.info().environmentLimits.privateTmp) return skipBecause('a private /tmp for environments');
    const writer = await deploy(t.client, { 'index.js': HANDLER });
    const reader = await deploy(t.client, { 'index.js': HANDLER });
    const none = Object.fromEntries(PLACES.map((place) => [place, false]));
    expect((await invoke(t.client, writer, { mark: MARK, write: true })).json).toEqual(none);
    // Its own environment still has it: the places work as before, only privately.
    expect((await invoke(t.client, writer, { mark: MARK })).json).toEqual(
      Object.fromEntries(PLACES.map((place) => [place, true])),
    );
    expect((await invoke(t.client, reader, { mark: MARK })).json).toEqual(none);
    expect(PLACES.filter((place) => existsSync(join(place, MARK)))).toEqual([]);
  }, 60_000);

  test("System V shared memory is private too: each environment has an IPC namespace of its own, not the service's", async () => {
    if (!t.service.info().environmentLimits.privateTmp) return skipBecause('a mount namespace for environments');
    // A segment made with shmget outlives its processes (and the service) unless its namespace goes.
    const IPC = { 'index.js': "exports.handler = async () => require('node:fs').readlinkSync('/proc/self/ns/ipc');" };
    const first = (await invoke(t.client, await deploy(t.client, IPC))).json;
    const second = (await invoke(t.client, await deploy(t.client, IPC))).json;
    expect(first).toMatch(/^ipc:\[\d+\]$/);
    expect(first).not.toBe(readlinkSync('/proc/self/ns/ipc'));
    expect(second).not.toBe(first);
  }, 60_000);
});
