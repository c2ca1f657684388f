import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ClockKind } from './thread-times.js';
import { systemProgram } from '../execution/runtime-launch.js';

/** Which CPUs the environments start bound to, and how. */
export interface PlacementStatus {
  readonly enabled: boolean;
  readonly mechanism: 'taskset' | 'none';
  /** The CPUs every environment starts bound to (a list such as `1` or `2,3`), or `all`. */
  readonly cpus: string;
  readonly statement: string;
  /**
   * Whether the statement is a way in which measurements here may differ from Lambda's: under the
   * model clock, environments that the scheduler may place on different CPUs.
   */
  readonly limitation: boolean;
}

/** What the placement needs of the host; tests give their own. */
export interface PlacementHost {
  /** The CPUs this process may run on and that are online; undefined where Linux does not say. */
  readonly cpus: () => number[] | undefined;
  /** The `taskset` that binds a process to `list`, or why none can. */
  readonly taskset: (list: string) => { path: string } | { reason: string };
}

/** A CPU list as `taskset -c` and `/proc/<pid>/status` write it: `1`, `0,2`, `2-3,6`. */
const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/** The CPUs of a list, in order; undefined when it is not a list. */
export function parseCpuList(list: string): number[] | undefined {
  if (!CPU_LIST.test(list)) return undefined;
  const cpus = new Set<number>();
  for (const part of list.split(',')) {
    const [first, last = first] = part.split('-').map(Number) as [number, number?];
    if (last < first || last - first > 4096) return undefined;
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

const readList = (path: string, pattern?: RegExp): number[] | undefined => {
  try {
    const text = readFileSync(path, 'utf8');
    const list = pattern ? pattern.exec(text)?.[1] : text.trim();
    return list === undefined ? undefined : parseCpuList(list);
  } catch {
    return undefined;
  }
};

/** This host as the placement sees it. */
export const LINUX_HOST: PlacementHost = {
  cpus: () => {
    const allowed = readList('/proc/self/status', /^Cpus_allowed_list:\s*(\S+)/m);
    // An offline CPU may still be in the mask, and binding to it fails.
    const online = readList('/sys/devices/system/cpu/online');
    return allowed && online ? allowed.filter((cpu) => online.includes(cpu)) : allowed;
  },
  taskset: (list) => {
    let path: string;
    let probeWith: string;
    try {
      path = systemProgram('taskset');
      probeWith = systemProgram('true');
    } catch (error) {
      return { reason: (error as Error).message };
    }
    // Tried once, so that a CPU the kernel will not bind to is found here, not at every INIT.
    const probe = spawnSync(path, ['--cpu-list', list, probeWith], { encoding: 'utf8', timeout: 5000 });
    if (probe.status === 0) return { path };
    const said = `${probe.stderr ?? ''}`.trim().split('\n').at(-1);
    return { reason: `taskset --cpu-list ${list} failed${said ? `: ${said}` : ''}` };
  },
};

/**
 * What is wrong with a requested CPU list (`all`, or CPUs this process may use), as the tail of a
 * sentence that starts with the option's name; undefined when nothing is.
 */
export function environmentCpusProblem(
  requested: string | undefined,
  allowed: number[] | undefined = LINUX_HOST.cpus(),
): string | undefined {
  if (requested === undefined || requested === 'all') return undefined;
  const cpus = parseCpuList(requested);
  if (!cpus) return `must be "all" or a CPU list such as 1, 0,2 or 2-3, got "${requested}"`;
  const outside = allowed ? cpus.filter((cpu) => !allowed.includes(cpu)) : [];
  if (outside.length)
    return `${requested}: CPU ${outside.join(', ')} is not one this service may use (${allowed!.join(', ')})`;
  return undefined;
}

/**
 * Where the environments run. On a host that shares its cores with other work, what a process is
 * charged in CPU time for the same work depends on which core it runs on and what runs beside it
 * there: beside two CPU hogs on a 2-core host, one environment's level moved by up to ±20% from one
 * round of integration traffic to the next, and stayed there for the round. Environments that the
 * scheduler places apart then measure apart, though their code is the same. Under the model clock
 * every environment therefore starts bound to one CPU by default, the same for all, so that what
 * else runs there weighs on the builds compared alike; waiting for that CPU lengthens their wall
 * time, not their Duration (and not their time limits: `armLimit` in environment.ts). Under the
 * wall clock a shared CPU would be Duration, so there the default is `all`. A function can bind
 * itself elsewhere (`sched_setaffinity`), and so measure apart: that is its own doing.
 */
export class CpuPlacement {
  readonly status: PlacementStatus;
  private readonly taskset: string | undefined;

  /**
   * `requested`: a CPU list, `all`, or undefined for the default. A list outside the CPUs this
   * process may use, or not a list, is refused.
   */
  constructor(requested: string | undefined, clock: ClockKind, host: PlacementHost = LINUX_HOST) {
    const allowed = host.cpus();
    const problem = environmentCpusProblem(requested, allowed);
    if (problem) throw new RangeError(`environmentCpus ${problem}`);
    const several = (allowed?.length ?? 2) > 1;
    const cpus =
      requested === undefined
        ? clock === 'model' && allowed && several
          ? String(allowed.at(-1))
          : 'all'
        : requested === 'all'
          ? 'all'
          : parseCpuList(requested)!.join(',');
    const bound = cpus === 'all' ? undefined : host.taskset(cpus);
    this.taskset = bound && 'path' in bound ? bound.path : undefined;
    const apart = 'environments the scheduler places apart may measure apart on a busy host';
    if (this.taskset) {
      const one = !cpus.includes(',');
      this.status = {
        enabled: true,
        mechanism: 'taskset',
        cpus,
        // Within a set of several CPUs the scheduler still places them apart.
        limitation: clock === 'model' && !one,
        statement: one
          ? `Every environment starts bound to CPU ${cpus}${allowed ? ` of ${allowed.join(', ')}` : ''}, so that what else runs there weighs on the builds compared alike.`
          : `Every environment starts bound to CPUs ${cpus}; within them, ${apart}.`,
      };
      return;
    }
    const why =
      bound && 'reason' in bound
        ? `NOT bound to CPU ${cpus} (${bound.reason})`
        : requested === undefined && clock === 'model' && !allowed
          ? 'NOT bound to one CPU (this service could not read which CPUs it may use)'
          : undefined;
    this.status = {
      enabled: false,
      mechanism: 'none',
      cpus: 'all',
      limitation: clock === 'model' && several,
      statement: why
        ? `Environments are ${why}: ${apart}.`
        : !several
          ? `Environments run on the one CPU this service may use (${allowed![0]}).`
          : `Environments run on any CPU${requested === undefined ? ` (the ${clock} clock's default)` : ''}: ${apart}.`,
    };
  }

  /** The command that starts an environment, bound to the CPUs where they are set. */
  wrap(command: [string, string[]]): [string, string[]] {
    if (!this.taskset) return command;
    return [this.taskset, ['--cpu-list', this.status.cpus, command[0], ...command[1]]];
  }
}
