import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { gaussian, seededRandom } from '../random.js';

/** Lambda gives one full vCPU at 1,769 MB and scales CPU linearly with memory. */
export const MB_PER_VCPU = 1769;
/**
 * CFS bandwidth control lets a group run `quota` out of every `period`. A long period turns a few
 * milliseconds of work into a step function of wall time (all at once, or a whole period late),
 * so the period is kept short; the kernel's smallest quota (1 ms) sets how short at low memory.
 */
const SHORT_PERIOD_US = 5_000;
const MIN_QUOTA_US = 1_000;

/** Period and quota, in microseconds, for a CPU share. */
export function bandwidth(share: number): { periodUs: number; quotaUs: number } {
  const periodUs = Math.min(1_000_000, Math.max(SHORT_PERIOD_US, Math.ceil(MIN_QUOTA_US / share)));
  return { periodUs, quotaUs: Math.max(MIN_QUOTA_US, Math.round(share * periodUs)) };
}

export interface ThrottleStatus {
  readonly enabled: boolean;
  /** `cgroup-v2`, `cgroup-v1`, or `none`. */
  readonly mechanism: 'cgroup-v2' | 'cgroup-v1' | 'none';
  /** SD (log scale) of each environment's lasting CPU speed factor; 0 for none. */
  readonly environmentSpread: number;
  /** One plain sentence for people and reports. */
  readonly statement: string;
}

/** The share of CPUs a memory size buys, capped at what the host has. */
export function cpuShare(memoryMb: number, hostCpus = availableParallelism()): number {
  return Math.min(memoryMb / MB_PER_VCPU, hostCpus);
}

/** A per-environment CPU group; `procsFile` is where the environment's first process enrols. */
export interface CpuGroup {
  readonly procsFile: string;
  /** The lasting speed factor this environment's CPU quota was given (1 without a spread). */
  readonly speedFactor: number;
  remove(): void;
}

/**
 * Confines each execution environment to memory/1769 of a CPU through a cgroup, where the host
 * lets this process create one. Where it cannot, it says so once and environments run
 * unthrottled, so durations do not scale with memory.
 */
export class CpuThrottle {
  readonly status: ThrottleStatus;
  private readonly root: string | undefined;
  private readonly version: 1 | 2 | undefined;
  private readonly spread: number;
  private readonly random: () => number;
  private counter = 0;

  /**
   * `environmentSpread`: the SD (log scale) of a lasting speed factor exp(N(0, SD)) that each new
   * environment's CPU quota is multiplied by, drawn from `seed`: a test bed for environments that
   * differ for their whole life, as they do on Lambda. A factor above 1 buys more than the memory's
   * share, which a single-threaded handler can use only below 1,769 MB.
   */
  constructor(options: { disabled?: boolean; cgroupMount?: string; environmentSpread?: number; seed?: number } = {}) {
    const mount = options.cgroupMount ?? '/sys/fs/cgroup';
    this.spread = options.environmentSpread ?? 0;
    this.random = seededRandom((options.seed ?? 1) + 2);
    if (options.disabled) {
      this.status = unthrottled('CPU throttling was turned off for this service', this.spread);
      return;
    }
    const attempt = tryCgroupV2(mount) ?? tryCgroupV1(mount);
    if (attempt && 'root' in attempt) {
      this.root = attempt.root;
      this.version = attempt.version;
      const spread = this.spread > 0 ? ` Each new environment's CPU quota is multiplied by a lasting speed factor exp(N(0, ${this.spread})).` : '';
      this.status = {
        enabled: true,
        mechanism: attempt.version === 2 ? 'cgroup-v2' : 'cgroup-v1',
        environmentSpread: this.spread,
        statement: `CPU is throttled to memory/${MB_PER_VCPU} of a vCPU per environment (cgroup v${attempt.version}), so durations scale with memory.${spread}`,
      };
    } else {
      this.status = unthrottled(attempt?.reason ?? 'no writable cgroup cpu controller was found', this.spread);
    }
  }

  /** A group for one environment, or undefined when throttling is not available. */
  createGroup(memoryMb: number): CpuGroup | undefined {
    if (!this.root || !this.version) return undefined;
    const directory = join(this.root, `env-${++this.counter}`);
    const speedFactor = this.spread > 0 ? Math.exp(this.spread * gaussian(this.random)) : 1;
    const { periodUs, quotaUs } = bandwidth(cpuShare(memoryMb) * speedFactor);
    try {
      mkdirSync(directory);
      if (this.version === 2) writeFileSync(join(directory, 'cpu.max'), `${quotaUs} ${periodUs}`);
      else {
        // v1 checks quota against the current period, so a shorter period goes first only when
        // the quota already fits it; set the period, then the quota.
        writeFileSync(join(directory, 'cpu.cfs_period_us'), String(periodUs));
        writeFileSync(join(directory, 'cpu.cfs_quota_us'), String(quotaUs));
      }
    } catch {
      removeDirectory(directory);
      return undefined;
    }
    return { procsFile: join(directory, 'cgroup.procs'), speedFactor, remove: () => removeDirectory(directory) };
  }

  dispose(): void {
    if (this.root) removeGroupTree(this.root);
  }
}

/** A directory of its own per service, so a reused process id never meets a leftover. */
const groupName = (): string => `lambda-perf-gate-${process.pid}-${randomBytes(3).toString('hex')}`;

function removeGroupTree(root: string): void {
  try {
    for (const entry of readdirSync(root, { withFileTypes: true })) if (entry.isDirectory()) removeDirectory(join(root, entry.name));
  } catch {
    // Already gone.
  }
  removeDirectory(root);
}

/**
 * Removes the groups of services that died without cleaning up (killed, say): their process is
 * gone and no process is left in them. Best effort; a group still in use stays.
 */
function sweepStaleGroups(parent: string): void {
  let entries: string[];
  try {
    entries = readdirSync(parent).filter((name) => name.startsWith('lambda-perf-gate-'));
  } catch {
    return;
  }
  for (const name of entries) {
    const pid = Number(name.split('-')[3]);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    removeGroupTree(join(parent, name));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unthrottled(reason: string, spread: number): ThrottleStatus {
  const lost = spread > 0 ? ` The environment spread of ${spread} cannot be applied without it.` : '';
  return {
    enabled: false,
    mechanism: 'none',
    environmentSpread: 0,
    statement: `CPU is NOT throttled by memory (${reason}); durations do not scale with memory size.${lost}`,
  };
}

type Attempt = { root: string; version: 1 | 2 } | { reason: string } | undefined;

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

function tryCgroupV2(mount: string): Attempt {
  const own = ownCgroupPath(undefined);
  if (own === undefined || !existsSync(join(mount, 'cgroup.controllers'))) return undefined;
  const parent = join(mount, own);
  try {
    if (!readFileSync(join(parent, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpu')) {
      return { reason: 'the cgroup v2 cpu controller is not delegated to this process' };
    }
    sweepStaleGroups(parent);
    const root = join(parent, groupName());
    mkdirSync(root);
    try {
      writeFileSync(join(root, 'cgroup.subtree_control'), '+cpu');
    } catch (error) {
      removeDirectory(root);
      throw error;
    }
    return { root, version: 2 };
  } catch {
    return { reason: 'the cgroup v2 hierarchy is not writable here' };
  }
}

function tryCgroupV1(mount: string): Attempt {
  const own = ownCgroupPath('cpu');
  const controller = join(mount, 'cpu');
  if (own === undefined || !existsSync(join(controller, 'cpu.cfs_quota_us'))) return undefined;
  sweepStaleGroups(join(controller, own));
  const root = join(controller, own, groupName());
  try {
    mkdirSync(root);
    return { root, version: 1 };
  } catch {
    return { reason: 'the cgroup v1 cpu controller is not writable here' };
  }
}

function removeDirectory(directory: string): void {
  try {
    rmdirSync(directory);
  } catch {
    // Still has a process in it or already gone; the environment's exit path retries.
  }
}
