import { spawn } from 'node:child_process';

export interface CommandResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** The last few lines of stdout and stderr together, for the report (redacted where it is written). */
  readonly outputTail: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** A tail is there to say why a run failed; the less of a test suite's output it keeps, the less it can leak. */
const TAIL_CHARS = 2000;
const TAIL_LINES = 20;

function shortTail(text: string): string {
  return text.split('\n').slice(-TAIL_LINES).join('\n');
}

/**
 * Runs the project's integration tests through the shell, with the variables that point its
 * SDK at one build. Output is kept only as a tail; the whole process group is killed on timeout.
 */
export function runIntegrationCommand(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutS: number,
  onLine: (line: string) => void = () => undefined,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    let tail = '';
    let timedOut = false;
    let partial = '';
    const child = spawn('/bin/sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const collect = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-TAIL_CHARS);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutS * 1000);
    const finish = (exitCode: number | null, signal: string | null): void => {
      clearTimeout(timer);
      if (partial) onLine(partial);
      partial = '';
      const endedAt = Date.now();
      resolve({
        exitCode,
        signal,
        timedOut,
        durationMs: endedAt - startedAt,
        outputTail: shortTail(tail),
        startedAt,
        endedAt,
      });
    };
    child.on('error', (error) => {
      tail = `${tail}\n${error.message}`.slice(-TAIL_CHARS);
      finish(127, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}
