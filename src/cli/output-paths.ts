import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Why a file given on the command line cannot be written, or undefined when it can: checked
 * before the run, so that a typo in a path does not lose a whole measurement at the end.
 */
export function unwritable(path: string): string | undefined {
  const target = statSync(path, { throwIfNoEntry: false });
  if (target?.isDirectory()) return `${path} is a directory; give a file name`;
  const directory = dirname(resolve(path));
  const parent = statSync(directory, { throwIfNoEntry: false });
  if (!parent) return `the directory ${directory} does not exist`;
  if (!parent.isDirectory()) return `${directory} is not a directory`;
  try {
    accessSync(target ? path : directory, constants.W_OK);
  } catch {
    return target ? `${path} is not writable` : `the directory ${directory} is not writable`;
  }
  return undefined;
}
