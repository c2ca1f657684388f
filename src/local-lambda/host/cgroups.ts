import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from './process-alive.js';

/**
 * What an execution environment's control group does: `cpu` (bandwidth), `freezer` (stopping it
 * between invocations) and `pids` (the process cap).
 */
export type Controller = 'cpu' | 'freezer' | 'pids';

const SWEEP_ORDER: readonly Controller[] = ['freezer', 'pids', 'cpu'];

/** Where a controller lives for this service, or why it is not available. */
type Placement = { version: 1 | 2; root: string } | { reason: string };

/**
 * This service's control groups: one directory of its own per hierarchy (cgroup v2 has one
 * hierarchy, v1 one per controller), with a group per execution environment inside. Whatever the
 * host does not let this process create is reported with its reason and simply not used.
 */
export class Cgroups {
  private readonly placements = new Map<Controller, Placement>();
  private readonly roots = new Set<string>();
  private counter = 0;

  constructor(wanted: readonly Controller[], mount = '/sys/fs/cgroup') {
    const v2 = existsSync(join(mount, 'cgroup.controllers')) ? openV2Root(mount, wanted) : undefined;
    // Dead services' groups go from every hierarchy this service might use, wanted or not (the one
    // before it may have throttled CPU where this one does not); the freezer's first, since a
    // frozen process dies only once thawed.
    for (const controller of SWEEP_ORDER) sweepStaleGroups(...v1Parent(mount, controller));
    for (const controller of wanted) {
      const placement = v2?.get(controller) ?? openV1Root(mount, controller);
      this.placements.set(controller, placement);
      if ('root' in placement) this.roots.add(placement.root);
    }
  }

  /** This service's own directory in each hierarchy, with its environments' groups inside. */
  get directories(): string[] {
    return [...this.roots];
  }

  /** The cgroup version serving a controller, or undefined with the reason it is not available. */
  version(controller: Controller): 1 | 2 | undefined {
    const placement = this.placements.get(controller);
    return placement && 'root' in placement ? placement.version : undefined;
  }

  unavailableReason(controller: Controller): string {
    const placement = this.placements.get(controller);
    if (!placement) return `the ${controller} controller was not asked for`;
    return 'reason' in placement ? placement.reason : '';
  }

  /** A group per environment in every available hierarchy; undefined when none is. */
  createGroup(): EnvironmentCgroup | undefined {
    if (this.roots.size === 0) return undefined;
    const name = `env-${++this.counter}`;
    const directories = new Map<Controller, string>();
    const created: string[] = [];
    for (const [controller, placement] of this.placements) {
      if (!('root' in placement)) continue;
      const directory = join(placement.root, name);
      if (!created.includes(directory)) {
        try {
          mkdirSync(directory);
          created.push(directory);
        } catch {
          continue;
        }
      }
      directories.set(controller, directory);
    }
    if (created.length === 0) return undefined;
    return new EnvironmentCgroup(directories, created, (controller) => this.version(controller));
  }

  dispose(): void {
    for (const root of this.roots) removeGroupTree(root);
  }
}

/** One execution environment's groups: where its first process enrols, and the knobs on them. */
export class EnvironmentCgroup {
  constructor(
    private readonly directories: ReadonlyMap<Controller, string>,
    private readonly created: readonly string[],
    private readonly versionOf: (controller: Controller) => 1 | 2 | undefined,
  ) {}

  /** The directories of the groups (one per hierarchy), to remove once the environment is gone. */
  get paths(): string[] {
    return [...this.created];
  }

  /** The `cgroup.procs` files the environment's first process writes its pid to. */
  get procsFiles(): string[] {
    return this.created.map((directory) => join(directory, 'cgroup.procs'));
  }

  has(controller: Controller): boolean {
    return this.directories.has(controller);
  }

  /** The path of one control file of a controller's group, when the environment has that group. */
  file(controller: Controller, name: string): string | undefined {
    const directory = this.directories.get(controller);
    return directory ? join(directory, name) : undefined;
  }

  version(controller: Controller): 1 | 2 | undefined {
    return this.has(controller) ? this.versionOf(controller) : undefined;
  }

  /** Writes one control file of a controller's group; false when the kernel refused it. */
  write(controller: Controller, file: string, value: string): boolean {
    const directory = this.directories.get(controller);
    if (!directory) return false;
    try {
      writeFileSync(join(directory, file), value);
      return true;
    } catch {
      return false;
    }
  }

  /** Best effort: a group that still holds a process stays until the environment's exit retries. */
  remove(): void {
    for (const directory of this.created) removeDirectory(directory);
  }
}

/** A directory of its own per service, so a reused process id never meets a leftover. */
const groupName = (): string => `lambda-perf-gate-${process.pid}-${randomBytes(3).toString('hex')}`;

function ownCgroupPath(controller: string | undefined): string | undefined {
  try {
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
      const [, controllers, path] = line.split(':');
      if (path === undefined) continue;
      if (controller === undefined ? controllers === '' : controllers?.split(',').includes(controller)) return path;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * cgroup v2: one directory for every controller. The freezer is built into every v2 group
 * (`cgroup.freeze`); cpu and pids must be delegated to this process's group.
 */
function openV2Root(mount: string, wanted: readonly Controller[]): Map<Controller, Placement> | undefined {
  const own = ownCgroupPath(undefined);
  if (own === undefined) return undefined;
  const parent = join(mount, own);
  const placements = new Map<Controller, Placement>();
  let delegated: string[];
  try {
    delegated = readFileSync(join(parent, 'cgroup.controllers'), 'utf8').split(/\s+/);
  } catch {
    return undefined;
  }
  sweepStaleGroups(parent);
  const root = join(parent, groupName());
  try {
    mkdirSync(root);
  } catch {
    for (const controller of wanted)
      placements.set(controller, { reason: 'the cgroup v2 hierarchy is not writable here' });
    return placements;
  }
  for (const controller of wanted) {
    if (controller === 'freezer') {
      placements.set(
        controller,
        existsSync(join(root, 'cgroup.freeze'))
          ? { version: 2, root }
          : { reason: 'this kernel has no cgroup v2 freezer' },
      );
      continue;
    }
    if (!delegated.includes(controller)) {
      placements.set(controller, { reason: `the cgroup v2 ${controller} controller is not delegated to this process` });
      continue;
    }
    try {
      writeFileSync(join(root, 'cgroup.subtree_control'), `+${controller}`);
      placements.set(controller, { version: 2, root });
    } catch {
      placements.set(controller, { reason: `the cgroup v2 ${controller} controller cannot be enabled here` });
    }
  }
  if (![...placements.values()].some((placement) => 'root' in placement)) removeDirectory(root);
  return placements;
}

/** Where this process's v1 group of a controller is, and whether that controller is there at all. */
function v1Parent(mount: string, controller: Controller): [string, boolean] {
  const own = ownCgroupPath(controller);
  const hierarchy = join(mount, controller);
  const probe = { cpu: 'cpu.cfs_quota_us', freezer: 'cgroup.procs', pids: 'cgroup.procs' }[controller];
  return [join(hierarchy, own ?? '.'), own !== undefined && existsSync(join(hierarchy, probe))];
}

function openV1Root(mount: string, controller: Controller): Placement {
  const [parent, found] = v1Parent(mount, controller);
  if (!found) return { reason: `no cgroup ${controller} controller was found` };
  const root = join(parent, groupName());
  try {
    mkdirSync(root);
    return { version: 1, root };
  } catch {
    return { reason: `the cgroup v1 ${controller} controller is not writable here` };
  }
}

function removeGroupTree(root: string): void {
  try {
    for (const entry of readdirSync(root, { withFileTypes: true }))
      if (entry.isDirectory()) removeDirectory(join(root, entry.name));
  } catch {
    // Already gone.
  }
  removeDirectory(root);
}

/**
 * Empties a dead service's group tree and removes it: what is still in it belongs to an
 * environment of that service (its reaper died with it, say), so it is thawed and killed.
 */
function removeStaleTree(root: string): void {
  const groups = [root];
  try {
    for (const entry of readdirSync(root, { withFileTypes: true }))
      if (entry.isDirectory()) groups.unshift(join(root, entry.name));
  } catch {
    return;
  }
  for (const group of groups) {
    // A frozen process takes its SIGKILL only once thawed (v1 freezer.state, v2 cgroup.freeze).
    for (const [file, value] of [
      ['freezer.state', 'THAWED'],
      ['cgroup.freeze', '0'],
    ] as const)
      if (existsSync(join(group, file))) writeQuietly(join(group, file), value);
    for (let round = 0; round < 50 && !tryRemove(group); round++) {
      for (const pid of processesIn(group)) killQuietly(pid);
      Atomics.wait(PAUSE, 0, 0, 10);
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function processesIn(group: string): number[] {
  try {
    return readFileSync(join(group, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone meanwhile.
  }
}

function writeQuietly(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch {
    // The kernel refused it; removing the group then fails and it stays.
  }
}

function tryRemove(directory: string): boolean {
  try {
    rmdirSync(directory);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Removes the groups of services that died without cleaning up (killed with their reaper, say):
 * their process is gone, so whatever is left in them is killed. Best effort; a group the kernel
 * will not let go of stays.
 */
function sweepStaleGroups(parent: string, found = true): void {
  if (!found) return;
  let entries: string[];
  try {
    entries = readdirSync(parent).filter((name) => name.startsWith('lambda-perf-gate-'));
  } catch {
    return;
  }
  for (const name of entries) {
    const pid = Number(name.split('-')[3]);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    removeStaleTree(join(parent, name));
  }
}

function removeDirectory(directory: string): void {
  try {
    rmdirSync(directory);
  } catch {
    // Still has a process in it or already gone; the environment's exit path retries.
  }
}
