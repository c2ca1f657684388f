import { jest } from '@jest/globals';
import { main } from '../../src/cli/main.js';

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
  // Written as a stream takes it: a callback, given last, is called once the text is taken.
  const capture =
    (into: 'stdout' | 'stderr') =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      written[into] += chunk.toString();
      const done = rest.at(-1);
      if (typeof done === 'function') (done as () => void)();
      return true;
    };
  const saved = { env: process.env, tty: process.stderr.isTTY };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture('stdout'));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture('stderr'));
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
