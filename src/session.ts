import { checkConfigFiles } from './config/files.js';
import type { GateConfig } from './config/types.js';
import { errorMessage, UsageError } from './errors.js';
import { checkForBackend, probeBackend } from './gate/backend.js';
import { cleanupOnSignals, type CleanupRegistry } from './gate/cleanup.js';
import { runGate, type Backend } from './gate/run-gate.js';
import { InfrastructureError } from './lambda/infrastructure-error.js';
import type { AccessKey } from './model/access-key.js';
import { startLocalLambda, type LocalLambda } from './local-lambda/service.js';
import type { ClockKind } from './local-lambda/host/thread-times.js';
import type { GateReport } from './result/model.js';
import type { Redactor } from './result/redact.js';

/** How to reach the backend: what `withBackend` needs. */
export interface BackendOptions {
  readonly config: GateConfig;
  /** Where the configuration came from, for messages: a file, or "the action inputs". */
  readonly source: string;
  /** Run everything on a local Lambda service started for this session. */
  readonly local: boolean;
  /** The embedded service's clock, when `local`; the service's default otherwise. */
  readonly localClock?: ClockKind;
  /** Hears of the service as soon as it runs, e.g. for a signal handler to stop it. */
  readonly onService?: (service: LocalLambda) => void;
}

/** What a session needs from its caller (the CLI or the action). */
export interface SessionOptions extends Omit<BackendOptions, 'onService'> {
  readonly stateFile?: string;
  /** Every line and the report pass through it; secrets the gate meets are added to it. */
  readonly redactor: Redactor;
  /** A progress line, already redacted. */
  readonly progress?: (line: string) => void;
  /** A secret value the gate met, besides adding it to the redactor (the action masks it too). */
  readonly onSecret?: (value: string) => void;
  /** Says that a signal arrived, before the cleanup it starts. */
  readonly onSignal: (signal: NodeJS.Signals) => void;
  /** Something the cleanup after a signal could not delete (redacted). */
  readonly onCleanupProblem: (problem: string) => void;
  /** The process's exit code after a signal's cleanup. */
  readonly signalExitCode: (signal: NodeJS.Signals) => number;
  /** Where the profiles of both builds go, beside the report; none are written without it. */
  readonly profileDirectory?: string;
}

export interface SessionResult {
  readonly report: GateReport;
  /** The configuration as run (with the local service's endpoint, when it was started). */
  readonly config: GateConfig;
}

/**
 * One gate session, as the CLI and the action both run it: check the files the configuration
 * names (as `validate` does), start the embedded service when asked, probe the backend, check
 * what needs it known, run the gate with cleanup on SIGINT and SIGTERM, stop the service, and
 * hand back the report with every secret redacted. What comes before (reading the
 * configuration) and after (writing files, commenting, the exit code) is the caller's.
 */
export async function runSession(options: SessionOptions): Promise<SessionResult> {
  const { redactor } = options;
  let service: LocalLambda | undefined;
  let registry: CleanupRegistry | undefined;
  const uninstall = cleanupOnSignals(async (signal) => {
    options.onSignal(signal);
    for (const problem of (await registry?.runAll()) ?? []) options.onCleanupProblem(redactor.text(problem));
    await service?.stop();
  }, options.signalExitCode);
  try {
    // The checks `validate` makes on the files, before anything is started or deployed.
    checkConfigFiles(options.config, options.source, { local: options.local });
    return await withBackend(
      {
        config: options.config,
        source: options.source,
        local: options.local,
        ...(options.localClock ? { localClock: options.localClock } : {}),
        onService: (started) => (service = started),
      },
      async ({ config, backend, localKey }) => {
        const measured = await runGate({
          config,
          backend,
          ...(localKey ? { localKey } : {}),
          ...(options.stateFile ? { stateFile: options.stateFile } : {}),
          ...(options.profileDirectory ? { profileDirectory: options.profileDirectory } : {}),
          progress: (line) => options.progress?.(redactor.text(line)),
          onCleanupRegistry: (r) => (registry = r),
          onSecret: (value) => {
            redactor.add(value);
            options.onSecret?.(value);
          },
        });
        return { report: redactor.deep(measured), config };
      },
    );
  } catch (error) {
    throw redactError(error, redactor);
  } finally {
    uninstall();
  }
}

/** The backend a session runs on, and the configuration pointed at it. */
export interface ConnectedBackend {
  /** The configuration as run (with the local service's endpoint, when it was started). */
  readonly config: GateConfig;
  readonly backend: Backend;
  /** The key of the local service started for the session, which signs every call to it. */
  readonly localKey?: AccessKey;
}

/**
 * The steps every command that talks to a backend takes first: start the embedded service when
 * asked, probe the backend (an endpoint that does not answer is an `unreachable` infrastructure
 * error), and check what needs the backend known; then `use` it, and stop the service whatever
 * happens.
 */
export async function withBackend<T>(
  options: BackendOptions,
  use: (connected: ConnectedBackend) => Promise<T>,
): Promise<T> {
  let service: LocalLambda | undefined;
  try {
    let config = options.config;
    if (options.local) {
      // The service answers for the configuration's region: the gate's clients sign for it.
      service = await startLocalLambda({
        requireAuth: true,
        ...(config.region ? { region: config.region } : {}),
        ...(options.localClock ? { clock: options.localClock } : {}),
      });
      options.onService?.(service);
      config = { ...config, endpoint: service.endpoint };
    }
    const localKey = service?.accessKey;
    const backend = await probeBackend(config.endpoint, config.region || undefined, localKey);
    checkForBackend(config, backend, options.source);
    return await use({ config, backend, ...(localKey ? { localKey } : {}) });
  } finally {
    await service?.stop();
  }
}

/**
 * The error with its message and stack redacted, for the caller to print: it may quote what a
 * function, a command or the platform said, or a configuration value.
 */
export function redactError(error: unknown, redactor: Redactor): unknown {
  if (error instanceof Error) {
    error.message = redactor.text(error.message);
    // The stack repeats the message: a bug's report shows it.
    if (error.stack) error.stack = redactor.text(error.stack);
  }
  return error;
}

/** Exit codes of the CLI; the action fails its step for all but `pass`. */
export const EXIT = { pass: 0, fail: 1, usage: 2, infrastructure: 3, bug: 4 } as const;

/**
 * What kind of failure ended a session, for the exit code and the message:
 * - `usage`: bad configuration or command line, found before any AWS call (exit 2);
 * - `infrastructure`: the platform, its access or the host failed, not the code under test (exit 3);
 * - `bug`: anything else, which is a defect of lambda-perf-gate itself (exit 4, with its stack).
 */
type FailureKind = 'usage' | 'infrastructure' | 'bug';

export interface Failure {
  readonly kind: FailureKind;
  readonly exitCode: number;
  /** One message for a person, without the tool's name in front. */
  readonly message: string;
}

export function classifyFailure(error: unknown): Failure {
  if (
    error instanceof UsageError ||
    (error as { code?: unknown } | null)?.code?.toString().startsWith('ERR_PARSE_ARGS')
  ) {
    return { kind: 'usage', exitCode: EXIT.usage, message: errorMessage(error) };
  }
  if (error instanceof InfrastructureError)
    return { kind: 'infrastructure', exitCode: EXIT.infrastructure, message: `infrastructure error: ${error.message}` };
  // The operating system refused something (a port in use, a file not writable): the host's
  // problem, not a bug.
  const system = error as { syscall?: unknown; code?: unknown } | null;
  if (typeof system?.syscall === 'string' && typeof system.code === 'string') {
    return {
      kind: 'infrastructure',
      exitCode: EXIT.infrastructure,
      message: `infrastructure error: ${errorMessage(error)}`,
    };
  }
  const trace = (error as { stack?: unknown } | null)?.stack;
  // Where it happened: the stack's frames only (its first lines repeat the message).
  const frames = typeof trace === 'string' ? trace.split('\n').filter((line) => /^\s+at /.test(line)) : [];
  const stack = frames.length ? `\n${frames.slice(0, 5).join('\n')}` : '';
  return {
    kind: 'bug',
    exitCode: EXIT.bug,
    message: `internal error: ${errorMessage(error)}. This is a bug in lambda-perf-gate; please report it with this message.${stack}`,
  };
}
