import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unwritable, writeOutput } from '../src/output-files.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lpg-output-paths-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an output file is opened before the run', () => {
  test('a file that can be made is made and removed again: the check leaves nothing behind', () => {
    const path = join(dir, 'new.json');
    expect(unwritable(path)).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });

  test('an existing file is opened without losing what it holds', () => {
    const path = join(dir, 'old.json');
    writeFileSync(path, 'last run');
    expect(unwritable(path)).toBeUndefined();
    expect(readFileSync(path, 'utf8')).toBe('last run');
  });

  test('a directory in which no file can be made, even as root (/proc), is named with the reason', () => {
    expect(unwritable('/proc/r.json')).toMatch(/^cannot be created \(ENOENT: no such file or directory/);
  });

  test('a missing directory and a directory given as the file say so', () => {
    expect(unwritable('/nonexistent/dir/r.json')).toBe('the directory /nonexistent/dir does not exist');
    expect(unwritable(dir)).toBe(`${dir} is a directory; give a file name`);
  });
});

describe('a report that cannot be written at the end is never lost', () => {
  test('it goes to a fallback file in the temporary directory, and the warning names both paths', () => {
    const warnings: string[] = [];
    const written = writeOutput('/proc/r.json', '{"verdict":"pass"}', (text) => warnings.push(text), dir);
    expect(written).not.toBe('/proc/r.json');
    expect(written.startsWith(dir)).toBe(true);
    expect(written).toMatch(/r\.json$/);
    expect(readFileSync(written, 'utf8')).toBe('{"verdict":"pass"}');
    expect(warnings.join('')).toContain(`could not write /proc/r.json (ENOENT`);
    expect(warnings.join('')).toContain(`written to ${written} instead`);
  });

  test('a path that can be written is written, without a word', () => {
    const warnings: string[] = [];
    const path = join(dir, 'ok.json');
    expect(writeOutput(path, 'text', (text) => warnings.push(text), dir)).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe('text');
    expect(warnings).toEqual([]);
  });
});
