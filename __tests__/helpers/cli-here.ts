import { main } from '../../src/cli/main.js';
import { captureWrites } from './captured-writes.js';

/**
 * The CLI's main in this process, as `cli` runs it in a process of its own: with `env` over this
 * process's environment meanwhile, off a terminal, and what it writes to stdout and stderr
 * captured. For what only a process shows (that it exits, with nothing else written) use `cli`.
 */
export async function cliHere(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const written = { stdout: '', stderr: '' };
  const saved = { env: process.env, tty: process.stderr.isTTY };
  const out = captureWrites(process.stdout, (text) => (written.stdout += text));
  const err = captureWrites(process.stderr, (text) => (written.stderr += text));
  process.env = { ...process.env, ...env };
  // As in a process whose output goes to a pipe.
  process.stderr.isTTY = false;
  try {
    const code = await main(args);
    return { code, ...written };
  } finally {
    process.env = saved.env;
    process.stderr.isTTY = saved.tty;
    out.mockRestore();
    err.mockRestore();
  }
}
