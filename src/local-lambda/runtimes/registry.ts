import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { assertNever } from '../../assert-never.js';

/**
 * The runtime families the local service runs. Adding one means adding its name here and its
 * description to FAMILIES below (plus its runtime client, if it has one); the type checker
 * refuses FAMILIES until the two agree, and a switch over a family or over one of its fields
 * must end in `assertNever` (src/assert-never.ts) so that it is refused too until it handles it.
 */
export type RuntimeFamily = 'nodejs' | 'python' | 'provided';

/**
 * How the service knows that all of an invocation's output has come through the runtime's pipe
 * before it writes the END and REPORT lines (and the log tail Invoke returns).
 *
 * - 'marker': the family's runtime client writes FLUSH_MARKER and the request id on stdout just
 *   before it posts a result, and the service waits for that line, at most FLUSH_WAIT_MS (1 s,
 *   environment.ts). A family declared 'marker' whose client does not write it therefore costs
 *   1 s on every invocation.
 * - 'next-turn': no marker; the service waits one event-loop turn. For families whose runtime
 *   client is the user's own (OS-only runtimes), which knows nothing of the marker.
 */
export type FlushBehaviour = RuntimeFamilyDescription['flush'];

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
 * A runtime client the service copies to disk once, for every environment of the family to run:
 * `file` is its source beside this module (the bundles carry it beside their index.js).
 */
interface RuntimeClientSource {
  readonly fileName: string;
  readonly file: URL;
}

/** What a family's command is built from, for one environment. */
interface CommandInputs {
  /** The interpreter: the service's option for this family, or the family's default. */
  readonly binary: string;
  /** Where the family's runtime client was written, if it has one. */
  readonly clientPath: string;
  /** The function's unpacked code. */
  readonly taskRoot: string;
}

interface FamilyBasics {
  /** The runtime ids CreateFunction takes for this family, in the order errors list them. */
  readonly ids: readonly string[];
  /** What INIT_START prints for a runtime id, e.g. `nodejs:20.local`. */
  readonly initVersion: (id: string) => string;
  /** Managed runtimes; since August 2025 Lambda bills their INIT as it already did for OS-only ones. */
  readonly managed: boolean;
  /** AWS_EXECUTION_ENV for a runtime id; OS-only runtimes set none. */
  readonly executionEnv: (id: string) => string | undefined;
  /** Whether CreateFunction refuses a function of this family without a Handler. */
  readonly handlerRequired: boolean;
  /** Whether SnapStart (ApplyOn PublishedVersions) may be turned on for this family. */
  readonly snapStart: boolean;
  /** The interpreter when the service is given none (LocalLambdaOptions.nodeBinary, ...). */
  readonly defaultBinary?: string;
  /** The command and arguments that start a runtime of this family for a package. */
  readonly command: (inputs: CommandInputs) => [string, string[]];
}

/**
 * How the family's output is known to be through (FlushBehaviour), and its bundled runtime
 * client if it has one (OS-only ones run the package's bootstrap). Only a family with a client
 * of ours can be declared 'marker': the client must write FLUSH_MARKER (runtime-registry.test.ts
 * checks that it does), or every invocation waits the full FLUSH_WAIT_MS.
 */
type FlushAndClient =
  | { readonly flush: 'marker'; readonly client: RuntimeClientSource }
  | { readonly flush: 'next-turn'; readonly client?: RuntimeClientSource };

export type RuntimeFamilyDescription = FamilyBasics & FlushAndClient;

export const FAMILIES: { readonly [F in RuntimeFamily]: RuntimeFamilyDescription } = {
  nodejs: {
    ids: ['18', '20', '22', '24'].map((v) => `nodejs${v}.x`),
    initVersion: (id) => `nodejs:${id.slice(6, -2)}.local`,
    managed: true,
    // The Node.js runtime client reads the major version from it (callback handlers from 24 on).
    executionEnv: (id) => `AWS_Lambda_${id}`,
    flush: 'marker',
    handlerRequired: true,
    snapStart: false,
    defaultBinary: process.execPath,
    client: { fileName: 'node-bootstrap.cjs', file: new URL('./node-client.cjs', import.meta.url) },
    command: ({ binary, clientPath }) => [binary, [clientPath]],
  },
  python: {
    ids: ['3.9', '3.10', '3.11', '3.12', '3.13', '3.14'].map((v) => `python${v}`),
    initVersion: (id) => `${id.replace('python', 'python:')}.local`,
    managed: true,
    executionEnv: (id) => `AWS_Lambda_${id}`,
    flush: 'marker',
    handlerRequired: true,
    snapStart: true,
    defaultBinary: 'python3',
    client: { fileName: 'python-bootstrap.py', file: new URL('./python-client.py', import.meta.url) },
    command: ({ binary, clientPath }) => [binary, ['-u', clientPath]],
  },
  provided: {
    ids: ['provided', 'provided.al2', 'provided.al2023'],
    initVersion: (id) => `${id}.local`,
    managed: false,
    executionEnv: () => undefined,
    flush: 'next-turn',
    handlerRequired: false,
    snapStart: false,
    command: ({ taskRoot }) => {
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
    },
  },
};

export const RUNTIME_FAMILIES = Object.keys(FAMILIES) as RuntimeFamily[];

/** Whether the service waits for the flush marker after a result the runtime posted. */
export function waitsForFlushMarker(flush: FlushBehaviour): boolean {
  switch (flush) {
    case 'marker':
      return true;
    case 'next-turn':
      return false;
    default:
      return assertNever(flush, 'flush behaviour');
  }
}
