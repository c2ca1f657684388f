import type { Cgroups, EnvironmentCgroup } from './cgroups.js';

export interface FreezeStatus {
  readonly enabled: boolean;
  /** The cgroup freezer where this process may use it, else stop/continue signals. */
  readonly mechanism: 'cgroup-v2' | 'cgroup-v1' | 'signals' | 'none';
  readonly statement: string;
}

/** Stops and resumes one environment's processes. */
export interface EnvironmentFreeze {
  freeze(): void;
  thaw(): void;
}

/**
 * Freezes an execution environment between invocations, as Lambda does, so its timers and
 * background work do not run while it is idle and each invocation starts from a frozen state.
 * The cgroup freezer catches every process of the environment, however it was started; where
 * it is not available, SIGSTOP and SIGCONT reach the environment's process group.
 */
export class Freezer {
  readonly status: FreezeStatus;

  constructor(cgroups: Pick<Cgroups, 'version' | 'unavailableReason'>, options: { disabled?: boolean } = {}) {
    const version = options.disabled ? undefined : cgroups.version('freezer');
    if (options.disabled) {
      this.status = {
        enabled: false,
        mechanism: 'none',
        statement:
          'Environments are NOT frozen between invocations (turned off for this service): their timers and background work keep running while idle.',
      };
    } else if (version !== undefined) {
      this.status = {
        enabled: true,
        mechanism: version === 2 ? 'cgroup-v2' : 'cgroup-v1',
        statement: `Environments are frozen between invocations (cgroup v${version} freezer).`,
      };
    } else {
      this.status = {
        enabled: true,
        mechanism: 'signals',
        statement: `Environments are frozen between invocations with SIGSTOP/SIGCONT of their process group (${cgroups.unavailableReason('freezer')}); a process that leaves the group is not frozen.`,
      };
    }
  }

  /**
   * The control file and value that thaw an environment's freezer group, for whoever must kill it
   * from outside (a frozen process does not act on SIGKILL until it is thawed).
   */
  thawOf(group: EnvironmentCgroup | undefined): { file: string; value: string } | undefined {
    if (!this.status.enabled || this.status.mechanism === 'signals') return undefined;
    const version = group?.version('freezer');
    const file =
      version === 2
        ? group?.file('freezer', 'cgroup.freeze')
        : version === 1
          ? group?.file('freezer', 'freezer.state')
          : undefined;
    return file ? { file, value: version === 2 ? '0' : 'THAWED' } : undefined;
  }

  /** The freeze of one environment whose first process is `pid` (a process group leader). */
  attach(group: EnvironmentCgroup | undefined, pid: number | undefined): EnvironmentFreeze | undefined {
    if (!this.status.enabled) return undefined;
    const version = this.status.mechanism === 'signals' ? undefined : group?.version('freezer');
    if (version === 2) {
      return {
        freeze: () => void group?.write('freezer', 'cgroup.freeze', '1'),
        thaw: () => void group?.write('freezer', 'cgroup.freeze', '0'),
      };
    }
    if (version === 1) {
      return {
        freeze: () => void group?.write('freezer', 'freezer.state', 'FROZEN'),
        thaw: () => void group?.write('freezer', 'freezer.state', 'THAWED'),
      };
    }
    if (pid === undefined) return undefined;
    const signal = (name: NodeJS.Signals): void => {
      try {
        process.kill(-pid, name);
      } catch {
        // The group is gone; the environment's exit handler deals with it.
      }
    };
    return { freeze: () => signal('SIGSTOP'), thaw: () => signal('SIGCONT') };
  }
}
