import { spawn } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';
import { identifyPackage, unpackCode, type CodePackage } from './code-package.js';
import { SYSTEM_PATH, systemProgram } from '../execution/runtime-launch.js';

/** Who may hold a package: the function store for its versions, the pool for its environments. */
export interface PackageHolds {
  hold(directory: string): void;
  release(directory: string): void;
}

/**
 * The unpacked packages under the service's code root, each kept while something holds it: a
 * version of a function, an environment running it, an upload in progress. When the last hold
 * goes, its directory and zip go too, so deleted functions give back their disk.
 */
export class PackageStore implements PackageHolds {
  private readonly holds = new Map<string, number>();
  private removed = 0;

  constructor(
    private readonly root: string,
    /** Told when a package's directory is gone, so what was set up for it can go too. */
    private readonly onRemove: (directory: string) => void = () => undefined,
  ) {}

  /** Packages held now. */
  get size(): number {
    return this.holds.size;
  }

  /** Unpacks `zip` (or finds it unpacked) and holds it once for the caller, who must release it. */
  async add(zip: Buffer): Promise<CodePackage> {
    const pkg = identifyPackage(zip, this.root);
    // Held before the first await, so a delete of other functions with the same code meanwhile
    // cannot remove what this upload is about to use.
    this.hold(pkg.directory);
    try {
      await unpackCode(zip, pkg);
    } catch (error) {
      this.release(pkg.directory);
      throw error;
    }
    return pkg;
  }

  hold(directory: string): void {
    this.holds.set(directory, (this.holds.get(directory) ?? 0) + 1);
  }

  release(directory: string): void {
    const holds = (this.holds.get(directory) ?? 0) - 1;
    if (holds > 0) {
      this.holds.set(directory, holds);
      return;
    }
    this.holds.delete(directory);
    this.remove(directory);
  }

  /**
   * Moved aside at once (a new upload of the same code then unpacks afresh) and deleted by `rm`
   * in a process of its own: a package of 65,535 files takes a while, and Node's own recursive
   * removal would start an unlink for every file at once, in the service's memory.
   */
  private remove(directory: string): void {
    rmSync(`${directory}.zip`, { force: true });
    const leaving = `${directory}.removing-${++this.removed}`;
    try {
      renameSync(directory, leaving);
    } catch {
      return; // Never unpacked (a refused upload) or already gone.
    }
    this.onRemove(directory);
    try {
      const rm = spawn(systemProgram('rm'), ['-rf', '--', leaving], {
        stdio: 'ignore',
        cwd: '/',
        env: { PATH: SYSTEM_PATH },
      });
      rm.on('error', () => undefined);
      rm.unref();
    } catch {
      // No rm here: the reaper removes the code root with the service.
    }
  }
}
