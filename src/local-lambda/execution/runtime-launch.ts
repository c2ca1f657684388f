import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the service's own set-up finds its programs. Never the function's PATH nor the
 * service's: the set-up runs as root, and a directory a function can write to must not be on it.
 */
export const SYSTEM_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

/** The file descriptor on which an environment's first process receives the runtime's variables. */
export const VARIABLES_FD = 4;

/** The absolute path of a system program, found on SYSTEM_PATH. */
export function systemProgram(name: string): string {
  for (const directory of SYSTEM_PATH.split(':')) {
    const path = join(directory, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not here.
    }
  }
  throw new Error(`${name} was not found in ${SYSTEM_PATH}`);
}

/**
 * The whole environment of the set-up steps (enrolment, mounts, dropping privileges): a fixed PATH,
 * the C locale and the environment's marker (the reaper finds its processes by it). No variable of
 * the function is among them, so none (PATH, LD_PRELOAD, LD_LIBRARY_PATH, BASH_ENV, IFS ...) can
 * change how a program run as root behaves.
 */
export function setUpVariables(marker: readonly [string, string]): Record<string, string> {
  return { PATH: SYSTEM_PATH, LC_ALL: 'C', [marker[0]]: marker[1] };
}

/**
 * The last step, run as the environment's user: it reads the runtime's variables from
 * VARIABLES_FD, closes it, enters the code directory and becomes the runtime. The variables travel
 * on a pipe, not on a command line, where any local user could read them in /proc.
 */
export function handOver(runtime: [string, string[]], taskRoot: string): [string, string[]] {
  const script = [
    `variables=$(${systemProgram('cat')} <&${VARIABLES_FD}) || exit 126`,
    `exec ${VARIABLES_FD}<&-`,
    'cd -- "$1" || exit 126',
    'shift',
    'eval "$variables" || exit 126',
    'exec "$@"',
  ].join('\n');
  return [systemProgram('sh'), ['-c', script, 'lambda-runtime', taskRoot, runtime[0], ...runtime[1]]];
}

/** The runtime's variables as the shell statements handOver evaluates. */
export function variablesScript(variables: Readonly<Record<string, string | undefined>>): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(variables)) {
    if (value === undefined) continue;
    // Lambda's key pattern; the service refuses others at CreateFunction, so this is a backstop.
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) throw new Error(`not a valid environment variable name: ${key}`);
    lines.push(`export ${key}='${value.replaceAll("'", "'\\''")}'`);
  }
  return `${lines.join('\n')}\n`;
}
