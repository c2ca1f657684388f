import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { errorMessage } from './errors.js';

/**
 * Why a file given on the command line cannot be written, or undefined when it can: checked
 * before the run, so that a typo in a path does not lose a whole measurement at the end. The file
 * is opened for appending (made if missing, and then removed again): access(2) says yes to root
 * everywhere, also in /proc, where no file can be made.
 */
export function unwritable(path: string): string | undefined {
  const target = statSync(path, { throwIfNoEntry: false });
  if (target?.isDirectory()) return `${path} is a directory; give a file name`;
  const directory = dirname(resolve(path));
  const parent = statSync(directory, { throwIfNoEntry: false });
  if (!parent) return `the directory ${directory} does not exist`;
  if (!parent.isDirectory()) return `${directory} is not a directory`;
  try {
    closeSync(openSync(path, 'a'));
  } catch (error) {
    return `cannot be ${target ? 'written' : 'created'} (${errorMessage(error)})`;
  }
  if (!target) rmSync(path, { force: true });
  return undefined;
}

/**
 * Writes a report file at the end of a run, and where that fails (the disk filled, the directory
 * went), writes it to a fresh file in `fallbackRoot` instead and says where: a finished
 * measurement is never lost to a path. Returns the path written; `warn` gets one sentence.
 */
export function writeOutput(
  path: string,
  text: string,
  warn: (text: string) => void,
  fallbackRoot: string = tmpdir(),
): string {
  try {
    writeFileSync(path, text);
    return path;
  } catch (error) {
    const fallback = join(mkdtempSync(join(fallbackRoot, 'lambda-perf-gate-')), basename(path));
    writeFileSync(fallback, text);
    warn(`could not write ${path} (${errorMessage(error)}); the report was written to ${fallback} instead`);
    return fallback;
  }
}
