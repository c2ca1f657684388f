import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { zipSync, type Zippable } from 'fflate';

/** DOS time starts in 1980; a fixed stamp makes the archive depend on content alone. */
const FIXED_MTIME = new Date('1980-01-01T00:00:00Z');
const UNIX = 3;

/** An entry's options in the gate's archives: a fixed time and the Unix mode (`st_mode`) given. */
export const entryOptions = (mode: number) => ({
  mtime: FIXED_MTIME,
  os: UNIX,
  attrs: mode * 0x10000,
  level: 6 as const,
});

function files(root: string, directory = root): string[] {
  return readdirSync(directory, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) return files(root, path);
      return entry.isFile() || entry.isSymbolicLink() ? [path] : [];
    });
}

/**
 * Zips a directory deterministically: sorted entries, a fixed timestamp, and only the execute
 * bit kept from the file mode, so the same content always has the same CodeSha256 and an
 * unchanged build publishes no new version.
 */
export function zipDirectory(root: string): Buffer {
  const entries: Zippable = {};
  for (const path of files(root)) {
    const name = relative(root, path).split(sep).join('/');
    const executable = (statSync(path).mode & 0o111) !== 0;
    const mode = executable ? 0o100755 : 0o100644;
    entries[name] = [readFileSync(path), entryOptions(mode)];
  }
  return Buffer.from(zipSync(entries));
}
