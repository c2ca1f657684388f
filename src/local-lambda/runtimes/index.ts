// runtimes/: one description per runtime family (registry.ts) and the runtime clients it starts.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAMILIES, RUNTIME_FAMILIES, type FlushBehaviour, type RuntimeFamily } from './registry.js';

export { FLUSH_MARKER, RuntimeStartError, type RuntimeFamily } from './registry.js';

/** One runtime id, with what its family says about it (runtimes/registry.ts). */
export interface RuntimeDescription {
  readonly id: string;
  readonly family: RuntimeFamily;
  /** What INIT_START prints, e.g. `nodejs:20.local`. */
  readonly version: string;
  /** Managed runtimes; since August 2025 Lambda bills their INIT as it already did for OS-only ones. */
  readonly managed: boolean;
  /** AWS_EXECUTION_ENV, if the runtime sets one. */
  readonly executionEnv: string | undefined;
  readonly flush: FlushBehaviour;
  readonly handlerRequired: boolean;
  readonly snapStart: boolean;
}

export const SUPPORTED_RUNTIMES: readonly string[] = RUNTIME_FAMILIES.flatMap((family) => FAMILIES[family].ids);

export function describeRuntime(id: string): RuntimeDescription | undefined {
  const family = RUNTIME_FAMILIES.find((name) => FAMILIES[name].ids.includes(id));
  if (!family) return undefined;
  const description = FAMILIES[family];
  return {
    id,
    family,
    version: description.initVersion(id),
    managed: description.managed,
    executionEnv: description.executionEnv(id),
    flush: description.flush,
    handlerRequired: description.handlerRequired,
    snapStart: description.snapStart,
  };
}

/**
 * The runtime clients as files on disk, written once per service. Each environment's process
 * runs one of them (or the package's own `bootstrap` for OS-only runtimes).
 */
export class RuntimeClients {
  /** Where the clients are; an environment with a private /tmp must still see it. */
  readonly directory = mkdtempSync(join(tmpdir(), 'lambda-perf-gate-runtimes-'));

  /** `binaries`: the interpreter to use per family, where the service was given one. */
  constructor(private readonly binaries: Partial<Record<RuntimeFamily, string>> = {}) {
    for (const family of RUNTIME_FAMILIES) {
      const client = FAMILIES[family].client;
      if (client) copyFileSync(client.file, join(this.directory, client.fileName));
    }
  }

  /** The command and arguments that start a runtime of this family for a package. */
  command(runtime: RuntimeDescription, taskRoot: string): [string, string[]] {
    const family = FAMILIES[runtime.family];
    return family.command({
      binary: this.binaries[runtime.family] ?? family.defaultBinary ?? '',
      clientPath: family.client ? join(this.directory, family.client.fileName) : '',
      taskRoot,
    });
  }

  dispose(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}
