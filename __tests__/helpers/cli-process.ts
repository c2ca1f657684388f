import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** Node's arguments that run the CLI from its sources. */
export const CLI = ['--import', 'tsx', 'src/cli/index.ts'];

const run = promisify(execFile);

/** The CLI as a process of its own, with `env` over this one's: its exit code and what it wrote. */
export async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [...CLI, ...args], { env: { ...process.env, NODE_OPTIONS: '', ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}
