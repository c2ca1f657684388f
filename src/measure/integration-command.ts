import { spawn } from 'node:child_process';

export interface CommandResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** The last few lines of stdout and stderr together, for the report: redacted, then cut. */
  readonly outputTail: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** A tail is there to say why a run failed; the less of a test suite's output it keeps, the less it can leak. */
const TAIL_CHARS = 2000;
const TAIL_LINES = 20;
/**
 * How much output is kept until the command ends, in whole lines, to be redacted before it is cut
 * to the tail: a cut before redaction could go through a secret and leave its end unredacted. A
 * line longer than this is left out whole.
 */
const KEPT_CHARS = 64 * 1024;
const LONG_LINE = '[a line too long to keep]';

/**
 * The last lines of a command's output, whole: a line is either kept entire or not at all, so
 * every secret in what is kept can still be found and redacted.
 */
class OutputWindow {
  private kept = '';
  /** Whether the line being written is already too long to keep. */
  private skipping = false;

  add(text: string): void {
    let rest = text;
    if (this.skipping) {
      const end = rest.indexOf('\n');
      if (end < 0) return;
      this.skipping = false;
      rest = `${LONG_LINE}${rest.slice(end)}`;
    }
    this.kept += rest;
    if (this.kept.length <= KEPT_CHARS) return;
    const start = this.kept.indexOf('\n', this.kept.length - KEPT_CHARS - 1);
    if (start >= 0) {
      this.kept = this.kept.slice(start + 1);
      return;
    }
    // The line being written is longer than the window by itself: the lines before it stay.
    this.kept = this.kept.slice(0, this.kept.lastIndexOf('\n') + 1);
    this.skipping = true;
  }

  /** The tail: the kept lines redacted, then cut. */
  tail(redact: (text: string) => string): string {
    const text = this.skipping ? `${this.kept}${LONG_LINE}` : this.kept;
    return redact(text).slice(-TAIL_CHARS).split('\n').slice(-TAIL_LINES).join('\n');
  }
}

/**
 * Runs the project's integration tests through the shell, with the variables that point its
 * SDK at one build. Output is kept only as a tail, redacted by `redact` once the command has ended
 * (so with every value it asked to mask), then cut; the whole process group is killed on timeout.
 */
export function runIntegrationCommand(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutS: number,
  onLine: (line: string) => void = () => undefined,
  redact: (text: string) => string = (text) => text,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const startedAt = Date.now();
    const output = new OutputWindow();
    let timedOut = false;
    let partial = '';
    const child = spawn('/bin/sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // Decoded per stream, so a character split between two reads (a secret's, too) stays whole.
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    const collect = (text: string): void => {
      output.add(text);
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
        outputTail: output.tail(redact),
        startedAt,
        endedAt,
      });
    };
    child.on('error', (error) => {
      output.add(`\n${error.message}`);
      finish(127, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}
