// host/: what the host does for the service: users, cgroups, CPU quota and placement, freezing, the clock, the reaper.
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from './process-alive.js';

/**
 * Where the service runs as root (CI runners, containers), each execution environment runs as
 * an unprivileged user of its own, and each package is readable only by the environments that
 * run it: a function then cannot read other functions' code, the service's /proc entries (and so
 * its environment), patch the shared runtime clients, or signal the service. The ids come from a
 * range no account uses (no /etc/passwd entry is needed); elsewhere functions run as the
 * service's user, and the service says so.
 */
export interface IsolationStatus {
  readonly enabled: boolean;
  readonly statement: string;
}

export interface Identity {
  readonly uid: number;
  readonly gid: number;
}

/** Ids in [FIRST_ID, FIRST_ID + SPAN): below 65534 (nobody) so they map inside common user namespaces. */
const FIRST_ID = 40_000;
const SPAN = 20_000;
/**
 * Where services on this host claim the ids they hand out, one file per id holding the claiming
 * service's pid. Without it two services (two test workers, two CI jobs on one runner) could give
 * the same uid to different functions: each function could then signal or read the other's
 * processes, and one service's reaper, which kills an environment's stray processes by uid, killed
 * the other's runtimes mid-invocation (Runtime.ExitError). A fixed path, not TMPDIR, so that every
 * service sees every claim; isolation runs as root only, so it is writable.
 */
const CLAIMS = '/run/lambda-perf-gate-ids';

/** Claims an id for this process; an id whose claimant is gone (a crashed service) is taken over. */
function claim(id: number): boolean {
  const file = join(CLAIMS, String(id));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: number;
    try {
      owner = Number(readFileSync(file, 'utf8'));
    } catch {
      continue; // released meanwhile: try again
    }
    if (owner > 0 && isAlive(owner)) return false;
    rmSync(file, { force: true });
  }
  return false;
}

function idsInUse(): Set<number> {
  const used = new Set<number>();
  for (const file of ['/etc/passwd', '/etc/group']) {
    try {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const id = Number(line.split(':')[2]);
        if (Number.isInteger(id)) used.add(id);
      }
    } catch {
      // No such file: nothing to avoid.
    }
  }
  return used;
}

export class Isolation {
  readonly status: IsolationStatus;
  private readonly used = idsInUse();
  /** A random start, so that two services on one host rarely hand out the same ids. */
  private next = FIRST_ID + Math.floor(Math.random() * SPAN);
  private readonly packageGroups = new Map<string, number>();
  private readonly claimed: number[] = [];

  constructor(private readonly options: { disabled?: boolean; onClaim?: (path: string) => void } = {}) {
    const root = process.platform === 'linux' && process.getuid?.() === 0;
    if (options.disabled)
      this.status = { enabled: false, statement: "Functions run as the service's own user: isolation was turned off." };
    else if (!root) {
      this.status = {
        enabled: false,
        statement:
          "Functions run as the service's own user (it is not root, so it cannot give each environment a user of its own): a function can read what that user can read, other functions' code included.",
      };
    } else
      this.status = {
        enabled: true,
        statement:
          'Each environment runs as an unprivileged user of its own; code is readable only by the environments that run it.',
      };
  }

  /** Makes the service's own directories traversable (not listable) by environments' users. */
  openDirectory(directory: string): void {
    if (this.status.enabled) chmodSync(directory, 0o711);
  }

  /** Makes a shared, read-only directory (the runtime clients) readable by everyone. */
  shareReadOnly(directory: string): void {
    if (!this.status.enabled) return;
    chmodSync(directory, 0o755);
    for (const entry of readdirSync(directory)) chmodSync(join(directory, entry), 0o644);
  }

  /**
   * The group that may read a package: every file root-owned, readable (and executable where it
   * was) by that group only, writable by nobody but root.
   */
  packageGroup(directory: string): number | undefined {
    if (!this.status.enabled) return undefined;
    let gid = this.packageGroups.get(directory);
    if (gid === undefined) {
      gid = this.allocate();
      lockDown(directory, gid);
      this.packageGroups.set(directory, gid);
    }
    return gid;
  }

  /** Forgets a package whose directory is gone: the same code uploaded again is locked down afresh. */
  forgetPackage(directory: string): void {
    this.packageGroups.delete(directory);
  }

  /** A user of its own for a new environment, in its package's group. */
  identityFor(codeDirectory: string): Identity | undefined {
    const gid = this.packageGroup(codeDirectory);
    return gid === undefined ? undefined : { uid: this.allocate(), gid };
  }

  /** Gives back the ids this service claimed (when it stops; a crashed service's are taken over). */
  release(): void {
    for (const id of this.claimed.splice(0)) rmSync(join(CLAIMS, String(id)), { force: true });
  }

  private allocate(): number {
    mkdirSync(CLAIMS, { recursive: true, mode: 0o700 });
    for (let tries = 0; tries < SPAN; tries++) {
      const id = FIRST_ID + (this.next++ % SPAN);
      if (this.used.has(id) || !claim(id)) continue;
      this.claimed.push(id);
      this.options.onClaim?.(join(CLAIMS, String(id)));
      return id;
    }
    throw new Error(`no free user id in ${FIRST_ID}-${FIRST_ID + SPAN - 1}: every one is claimed in ${CLAIMS}`);
  }
}

function lockDown(path: string, gid: number): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  chownSync(path, 0, gid);
  if (stat.isDirectory()) {
    chmodSync(path, 0o750);
    for (const entry of readdirSync(path)) lockDown(join(path, entry), gid);
  } else chmodSync(path, stat.mode & 0o111 ? 0o750 : 0o640);
}

/** Resident memory of every process a user runs, in bytes: children that left the tree count too. */
export function userMemory(uid: number): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) !== uid) continue;
      total += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}
