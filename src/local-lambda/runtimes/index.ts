import { accessSync, constants, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NODE_BOOTSTRAP } from './node-bootstrap.js';
import { PYTHON_BOOTSTRAP } from './python-bootstrap.js';

export type RuntimeFamily = 'nodejs' | 'python' | 'provided';

export interface RuntimeDescription {
  readonly id: string;
  readonly family: RuntimeFamily;
  /** What INIT_START prints, e.g. `nodejs:20.local`. */
  readonly version: string;
  /** Managed runtimes; since August 2025 Lambda bills their INIT as it already did for OS-only ones. */
  readonly managed: boolean;
}

const NODE_VERSIONS = ['18', '20', '22', '24'];
const PYTHON_VERSIONS = ['3.9', '3.10', '3.11', '3.12', '3.13', '3.14'];
const PROVIDED = ['provided', 'provided.al2', 'provided.al2023'];

export const SUPPORTED_RUNTIMES: readonly string[] = [
  ...NODE_VERSIONS.map((v) => `nodejs${v}.x`),
  ...PYTHON_VERSIONS.map((v) => `python${v}`),
  ...PROVIDED,
];

export function describeRuntime(id: string): RuntimeDescription | undefined {
  if (!SUPPORTED_RUNTIMES.includes(id)) return undefined;
  if (id.startsWith('nodejs')) {
    return { id, family: 'nodejs', version: `nodejs:${id.slice(6, -2)}.local`, managed: true };
  }
  if (id.startsWith('python')) return { id, family: 'python', version: `${id.replace('python', 'python:')}.local`, managed: true };
  return { id, family: 'provided', version: `${id}.local`, managed: false };
}

/**
 * The line the bundled runtime clients write just before they post a result: once it has come
 * through the pipe, so has all of the invocation's output.
 */
export const FLUSH_MARKER = '\x1eLPG-FLUSHED ';

/** Thrown when an environment cannot even start its runtime; carries Lambda's error type. */
export class RuntimeStartError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The runtime clients as files on disk, written once per service. Each environment's process
 * runs one of them (or the package's own `bootstrap` for OS-only runtimes).
 */
export class RuntimeClients {
  readonly directory = mkdtempSync(join(tmpdir(), 'lambda-perf-gate-runtimes-'));
  private readonly nodeBootstrap = join(this.directory, 'node-bootstrap.cjs');
  private readonly pythonBootstrap = join(this.directory, 'python-bootstrap.py');

  constructor(
    private readonly nodeBinary = process.execPath,
    private readonly pythonBinary = 'python3',
  ) {
    writeFileSync(this.nodeBootstrap, NODE_BOOTSTRAP);
    writeFileSync(this.pythonBootstrap, PYTHON_BOOTSTRAP);
  }

  /** The command and arguments that start a runtime of this family for a package. */
  command(runtime: RuntimeDescription, taskRoot: string): [string, string[]] {
    switch (runtime.family) {
      case 'nodejs':
        return [this.nodeBinary, [this.nodeBootstrap]];
      case 'python':
        return [this.pythonBinary, ['-u', this.pythonBootstrap]];
      case 'provided': {
        const bootstrap = join(taskRoot, 'bootstrap');
        try {
          accessSync(bootstrap, constants.X_OK);
        } catch {
          throw new RuntimeStartError(
            'Runtime.InvalidEntrypoint',
            `Couldn't find valid bootstrap(s): [${bootstrap}] (it must exist and be executable)`,
          );
        }
        return [bootstrap, []];
      }
    }
  }

  dispose(): void {
    rmSync(this.directory, { recursive: true, force: true });
  }
}
