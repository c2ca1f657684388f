import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
/** The reaper's program (reaper-process.cjs beside this module; the bundles carry it beside their index.js). */
const REAPER_FILE = new URL('./reaper-process.cjs', import.meta.url);

export class Reaper {
  private readonly child: ChildProcess | undefined;

  constructor() {
    try {
      this.child = spawn(process.execPath, ['-e', readFileSync(REAPER_FILE, 'utf8')], {
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
