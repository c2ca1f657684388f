import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join, relative, sep } from 'node:path';
import type { Cgroups, EnvironmentCgroup } from './cgroups.js';
import { SYSTEM_PATH, systemProgram } from '../execution/runtime-launch.js';

/** Lambda's cap on processes and threads per execution environment. */
const MAX_PROCESSES = 1024;

/**
 * World-writable places besides /tmp that outlive an environment on the host, with the MB each
 * gets; Lambda has none of them writable. Each environment gets a small private tmpfs on each
 * instead, so code that uses them still works but leaves nothing for another environment, nor on
 * the host. /run/lock (/var/lock links to it) holds lock files only.
 */
const OTHER_TEMPORARY_PLACES: readonly (readonly [string, number])[] = [
  ['/dev/shm', 64],
  ['/var/tmp', 64],
  ['/run/lock', 1],
];
const placesMb = (places: readonly (readonly [string, number])[]): number =>
  places.reduce((total, [, mb]) => total + mb, 0);

/** The smallest /tmp budget: one environment of Lambda's smallest EphemeralStorage, with its other places. */
export const MIN_TMP_BUDGET_MB = 512 + placesMb(OTHER_TEMPORARY_PLACES);

/**
 * What all environments' tmpfs may hold together when not told: the host's memory, at most 16 GB.
 * The budget counts each tmpfs at its size, not at what is written, so it must leave room for the
 * gate's default 4 environment pairs (8 environments of 641 MB) on a 7 GB hosted runner; a single
 * function still cannot fill more than its own /tmp.
 */
function defaultTmpBudgetMb(): number {
  return Math.max(MIN_TMP_BUDGET_MB, Math.min(16384, Math.floor(totalmem() / 1024 / 1024)));
}

export interface LimitsStatus {
  /** Each environment sees a /tmp of its own (a private tmpfs), not the host's. */
  readonly privateTmp: boolean;
  /** Writes to /tmp beyond the function's EphemeralStorage fail with ENOSPC, as on Lambda. */
  readonly ephemeralStorageEnforced: boolean;
  readonly processCap: boolean;
  /**
   * What the tmpfs of all live environments may hold together, in MB (their /tmp at its
   * EphemeralStorage size, /dev/shm, /var/tmp and /run/lock); 0 where /tmp is not a tmpfs of the service's.
   */
  readonly tmpBudgetMb: number;
  readonly statement: string;
  /** The sentences of `statement` that say where this host falls short of Lambda. */
  readonly limitations: readonly string[];
}

/** What one environment's first process does before it becomes the runtime. */
export interface EnvironmentLimits {
  /** Variables the runtime gets (TMPDIR where /tmp is not private). */
  readonly variables: Record<string, string>;
  /** The command that sets the limits up and then runs `command` in its place. */
  wrap(command: [string, string[]], procsFiles: readonly string[]): [string, string[]];
  /** Deletes the environment's /tmp; call once its processes are gone. */
  remove(): void;
}

/**
 * Gives each execution environment its own /tmp of EphemeralStorage size and the process cap
 * Lambda has. Where the host lets this process make a mount namespace, /tmp is a private tmpfs
 * of that size, the function's code and the runtime clients bound into it read-only, and it
 * vanishes with the environment. Elsewhere TMPDIR points at a directory of the environment's
 * own, removed with it, and the statement says that the size is not enforced.
 */
export class LimitsPolicy {
  readonly status: LimitsStatus;
  /** Where the environments' /tmp directories live; removed with the service. */
  readonly directory = mkdtempSync(join(tmpdir(), 'lambda-perf-gate-tmp-'));
  private readonly hostTmp = realpathSync(tmpdir());
  private readonly otherPlaces = OTHER_TEMPORARY_PLACES.filter(([place]) => existsSync(place));
  private counter = 0;

  constructor(
    cgroups: Pick<Cgroups, 'version' | 'unavailableReason'>,
    options: { privateTmp?: boolean; tmpBudgetMb?: number } = {},
  ) {
    const privateTmp = options.privateTmp !== false && canMountPrivateTmp();
    const processCap = cgroups.version('pids') !== undefined;
    const budget = options.tmpBudgetMb ?? defaultTmpBudgetMb();
    const tmp = privateTmp
      ? `Each environment has a private /tmp of its EphemeralStorage size, and private ${OTHER_TEMPORARY_PLACES.map(([place, mb]) => `${place} (${mb} MB)`).join(', ')}, removed with it, and an IPC namespace of its own (System V shared memory goes with it). These tmpfs live in the host's memory, so all live environments' together are kept within ${budget} MB: a new environment that would pass it waits for room (idle ones are retired first; a synchronous Invoke meanwhile gets 429), and a /tmp larger than the budget is cut to it.`
      : `/tmp is NOT private and EphemeralStorage is NOT enforced (${options.privateTmp === false ? 'turned off for this service' : 'this process cannot make a mount namespace with a tmpfs'}): TMPDIR points at a directory of each environment's own, removed with it, but code that writes to /tmp by name shares the host's.`;
    const cap = processCap
      ? `Each environment may run at most ${MAX_PROCESSES} processes and threads.`
      : `Processes are NOT capped per environment (${cgroups.unavailableReason('pids')}).`;
    const limitations = [...(privateTmp ? [] : [tmp]), ...(processCap ? [] : [cap])];
    this.status = {
      privateTmp,
      ephemeralStorageEnforced: privateTmp,
      processCap,
      tmpBudgetMb: privateTmp ? budget : 0,
      statement: `${tmp} ${cap}`,
      limitations,
    };
  }

  /**
   * How much of the host's memory an environment's tmpfs may take at most, in MB: what it counts
   * against `tmpBudgetMb`. Nothing where /tmp is not a tmpfs of the service's.
   */
  footprintMb(storageMb: number): number {
    return this.status.privateTmp ? this.tmpSizeMb(storageMb) + placesMb(this.otherPlaces) : 0;
  }

  /** An environment's /tmp: its EphemeralStorage, cut to what the budget leaves beside its other places. */
  private tmpSizeMb(storageMb: number): number {
    return Math.min(Math.floor(storageMb), this.status.tmpBudgetMb - placesMb(this.otherPlaces));
  }

  /**
   * Limits for one environment. `visible` are directories under the host's /tmp the runtime
   * must still see (its code, the runtime clients); they are bound read-only into the private one.
   */
  forEnvironment(
    group: EnvironmentCgroup | undefined,
    storageMb: number,
    visible: readonly string[],
  ): EnvironmentLimits {
    if (this.status.processCap) group?.write('pids', 'pids.max', String(MAX_PROCESSES));
    const directory = join(this.directory, `env-${++this.counter}`);
    mkdirSync(directory, { mode: 0o1777 });
    const remove = (): void => rmSync(directory, { recursive: true, force: true });
    if (!this.status.privateTmp) {
      return {
        variables: { TMPDIR: directory },
        wrap: (command, procsFiles) => enrolThen(command, procsFiles, []),
        remove,
      };
    }
    const binds = visible.map((path) => realpathSync(path)).filter((path) => path.startsWith(this.hostTmp + sep));
    const mount = systemProgram('mount');
    // The tmpfs is mounted on the environment's directory, filled with the binds, and then moved
    // over /tmp as a whole, all inside a mount namespace of the environment's own.
    const steps = [
      `${mount} -t tmpfs -o size=${this.tmpSizeMb(storageMb)}m,mode=1777 tmpfs ${quote(directory)}`,
      ...binds.flatMap((path) => {
        const inside = quote(join(directory, relative(this.hostTmp, path)));
        return [
          `${systemProgram('mkdir')} -p ${inside}`,
          `${mount} --bind ${quote(path)} ${inside}`,
          `${mount} -o remount,bind,ro ${inside}`,
        ];
      }),
      `${mount} --move ${quote(directory)} /tmp`,
      // Code also writes to these by name; each environment gets its own, gone with it.
      ...this.otherPlaces.map(([place, mb]) => `${mount} -t tmpfs -o size=${mb}m,mode=1777 tmpfs ${place}`),
    ];
    return {
      variables: {},
      wrap: (command, procsFiles) => {
        const [file, args] = enrolThen(command, procsFiles, steps);
        // An IPC namespace too: a System V segment (shmget) outlives its processes, and the service.
        return [systemProgram('unshare'), ['--mount', '--ipc', '--propagation', 'private', file, ...args]];
      },
      remove,
    };
  }

  dispose(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/**
 * A shell that enrols itself in the environment's control groups, runs the set-up steps, and then
 * becomes the runtime, so everything from INIT on is inside the limits.
 */
function enrolThen(
  command: [string, string[]],
  procsFiles: readonly string[],
  steps: readonly string[],
): [string, string[]] {
  if (procsFiles.length === 0 && steps.length === 0) return command;
  const script = [...procsFiles.map((file) => `echo $$ > ${quote(file)}`), ...steps]
    .map((step) => `${step} || exit 126`)
    .join('\n');
  return [systemProgram('sh'), ['-c', `${script}\nexec "$@"`, 'lambda-environment', command[0], ...command[1]]];
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function canMountPrivateTmp(): boolean {
  let probe;
  try {
    probe = spawnSync(
      systemProgram('unshare'),
      [
        '--mount',
        '--ipc',
        '--propagation',
        'private',
        systemProgram('mount'),
        '-t',
        'tmpfs',
        '-o',
        'size=1m',
        'tmpfs',
        '/tmp',
      ],
      { stdio: 'ignore', timeout: 5000, cwd: '/', env: { PATH: SYSTEM_PATH } },
    );
  } catch {
    return false;
  }
  return probe.status === 0;
}
