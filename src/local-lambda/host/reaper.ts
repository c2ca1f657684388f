import { spawn, type ChildProcess } from 'node:child_process';

/**
 * What belongs to one execution environment, so that all of it can be found and killed: its
 * process group, its cgroup (where the host gave one), and a marker in the environment of every
 * process it starts (a child that calls setsid leaves the group, but keeps the environment).
 */
export interface EnvironmentProcesses {
  readonly id: string;
  readonly pgid: number;
  /** A cgroup's `cgroup.procs`; every process in it belongs to the environment. */
  readonly cgroupProcs?: string;
  /** The environment's group in every hierarchy, removed once its processes are gone. */
  readonly groups?: readonly string[];
  /** `NAME=value` found in /proc/<pid>/environ of the environment's processes. */
  readonly marker: string;
  /** The user the environment runs as, when it has one of its own: all its processes belong. */
  readonly uid?: number;
  /** The freezer control file and the value that thaws it: a frozen process ignores SIGKILL until thawed. */
  readonly thaw?: { readonly file: string; readonly value: string };
}

/**
 * The reaper runs beside the service as a process of its own (its own process group, deaf to
 * terminal signals) and reads what the service tells it on a pipe. When the service asks, it
 * sweeps one environment; when the pipe closes, because the service stopped or died (SIGKILL, a
 * crash, a function killing it), it sweeps every environment it knows and removes the service's
 * directories. So no runtime, and no child a function detached, outlives the service.
 */
const REAPER_SOURCE = String.raw`'use strict';
const { readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE']) process.on(signal, () => undefined);
const environments = new Map();
const paths = new Set();
// The service's own cgroup directories: emptied of their environments' groups, then removed.
const groups = new Set();
// Claims (of user ids) are files holding the service's pid; one another service took over is not ours.
const claims = new Set();
const servicePid = String(process.ppid);
function processes() {
  const found = [];
  for (const name of readdirSync('/proc')) if (/^\d+$/.test(name) && Number(name) !== process.pid) found.push(Number(name));
  return found;
}
// Whether a process is one of the environments': by the user it runs as (where an environment has
// one of its own) or by the marker in its environment variables. /proc is read once per process.
function belongs(pid, markers, uids) {
  try {
    if (uids.size) {
      const uid = /^Uid:\s+(\d+)\s/m.exec(readFileSync('/proc/' + pid + '/status', 'utf8'));
      if (uid && uids.has(uid[1])) return true;
    }
    for (const entry of readFileSync('/proc/' + pid + '/environ', 'latin1').split('\0')) if (markers.has(entry)) return true;
  } catch {}
  return false;
}
function thaw(environment) {
  if (environment.thaw) try { writeFileSync(environment.thaw.file, environment.thaw.value); } catch {}
}
// Sweeps several environments at once, with one walk of /proc per round, not one per
// environment: a service that retires hundreds of environments, or dies with them, is swept in
// about the time of one.
function sweep(list) {
  if (list.length === 0) return;
  const markers = new Set(list.map((environment) => environment.marker));
  const uids = new Set(list.filter((environment) => environment.uid !== undefined).map((environment) => String(environment.uid)));
  for (let round = 0; round < 20; round++) {
    const pids = new Set();
    for (const environment of list) {
      thaw(environment);
      try { process.kill(-environment.pgid, 'SIGKILL'); } catch {}
      if (environment.cgroupProcs)
        try { for (const line of readFileSync(environment.cgroupProcs, 'utf8').split('\n')) if (line) pids.add(Number(line)); } catch {}
    }
    for (const pid of processes()) if (belongs(pid, markers, uids)) pids.add(pid);
    if (pids.size === 0) break;
    for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch {}
  }
  for (const environment of list) {
    if (environment.cgroupProcs) try { rmdirSync(dirname(environment.cgroupProcs)); } catch {}
    for (const group of environment.groups || []) try { rmdirSync(group); } catch {}
  }
}
// Every group of one of the service's hierarchies, its environments' first. An environment the
// service started but never told us of (its last lines lost with the service, say) still has a
// group here, and whatever runs in it is the environment's: thawed first (a frozen process takes
// SIGKILL only once thawed), then killed until the kernel lets the group go.
function subgroups(root) {
  const found = [];
  try { for (const entry of readdirSync(root, { withFileTypes: true })) if (entry.isDirectory()) found.push(join(root, entry.name)); } catch {}
  found.push(root);
  return found;
}
function thawGroups(root) {
  for (const group of subgroups(root)) {
    try { writeFileSync(join(group, 'freezer.state'), 'THAWED'); } catch {}
    try { writeFileSync(join(group, 'cgroup.freeze'), '0'); } catch {}
  }
}
function killGroups(root) {
  for (const group of subgroups(root))
    try { for (const pid of readFileSync(join(group, 'cgroup.procs'), 'utf8').split('\n')) if (pid) try { process.kill(Number(pid), 'SIGKILL'); } catch {} } catch {}
}
const pause = new Int32Array(new SharedArrayBuffer(4));
function removeGroup(root) {
  for (const group of subgroups(root)) {
    for (let round = 0; round < 100; round++) {
      try { rmdirSync(group); break; } catch (error) { if (error.code === 'ENOENT') break; }
      let procs = [];
      try { procs = readFileSync(join(group, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean); } catch {}
      for (const pid of procs) try { process.kill(Number(pid), 'SIGKILL'); } catch {}
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  pending += text;
  const retired = [];
  for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
    const line = pending.slice(0, at);
    pending = pending.slice(at + 1);
    const tab = line.indexOf('\t');
    const verb = line.slice(0, tab);
    const argument = line.slice(tab + 1);
    if (verb === 'track') { const environment = JSON.parse(argument); environments.set(environment.id, environment); }
    else if (verb === 'sweep') { const environment = environments.get(argument); environments.delete(argument); if (environment) retired.push(environment); }
    else if (verb === 'path') paths.add(argument);
    else if (verb === 'group') groups.add(argument);
    else if (verb === 'claim') claims.add(argument);
  }
  sweep(retired);
});
function ownsUid(uid) {
  for (const path of claims)
    if (path.endsWith('/' + uid)) try { return readFileSync(path, 'utf8') === servicePid; } catch { return false; }
  return false;
}
function finish() {
  // What the kernel groups is found fastest: every environment's group is thawed and emptied
  // first, then what left its group (or never had one) is found by user and marker.
  for (const root of groups) thawGroups(root);
  for (const root of groups) killGroups(root);
  // A user id is this service's only while its claim says so: once the service is dead, another
  // service may take the id over and run its own runtimes as that user.
  sweep([...environments.values()].map((environment) =>
    environment.uid === undefined || ownsUid(environment.uid) ? environment : { ...environment, uid: undefined }));
  for (const path of paths) try { rmSync(path, { recursive: true, force: true }); } catch {}
  for (const root of groups) removeGroup(root);
  for (const path of claims) try { if (readFileSync(path, 'utf8') === servicePid) rmSync(path, { force: true }); } catch {}
  process.exit(0);
}
process.stdin.on('end', finish);
process.stdin.on('error', finish);
`;

export class Reaper {
  private readonly child: ChildProcess | undefined;

  constructor() {
    try {
      this.child = spawn(process.execPath, ['-e', REAPER_SOURCE], {
        stdio: ['pipe', 'ignore', 'ignore'],
        detached: true,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      });
      this.child.on('error', () => undefined);
      this.child.stdin?.on('error', () => undefined);
      // Neither the reaper nor its pipe keeps the service's process alive.
      this.child.unref();
      (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    } catch {
      this.child = undefined;
    }
  }

  /** Whether a reaper runs; without one, a service that dies abruptly may leave processes behind. */
  get running(): boolean {
    return this.child?.pid !== undefined && this.child.exitCode === null;
  }

  track(environment: EnvironmentProcesses): void {
    this.send('track', JSON.stringify(environment));
  }

  /** Kills whatever is left of an environment (children that left its process group). */
  sweep(id: string): void {
    this.send('sweep', id);
  }

  /** A directory to remove when the service goes, however it goes. */
  removeOnExit(path: string): void {
    this.send('path', path);
  }

  /** A cgroup directory of the service's (cgroupfs takes rmdir only) to remove when the service goes. */
  removeGroupOnExit(directory: string): void {
    this.send('group', directory);
  }

  /**
   * A claim file (holding the service's pid) to remove when the service goes, after its
   * environments are swept, unless another service has taken it over meanwhile.
   */
  removeClaimOnExit(path: string): void {
    this.send('claim', path);
  }

  /**
   * The service is stopping: the reaper sweeps what is left, removes the directories, and exits
   * by itself. Nothing waits for it: it holds no reference on the event loop, and a process whose
   * loop is empty must be free to exit.
   */
  dispose(): void {
    this.child?.stdin?.end();
  }

  private send(verb: string, argument: string): void {
    if (this.child?.stdin?.writable) this.child.stdin.write(`${verb}\t${argument}\n`);
  }
}
