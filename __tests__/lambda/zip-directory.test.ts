import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { zipDirectory } from '../../src/lambda/zip-directory.js';
import { readEntryModes } from '../../src/zip-archive.js';

describe('deterministic packages', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lpg-zip-'));
    mkdirSync(join(root, 'lib'));
    writeFileSync(join(root, 'index.js'), 'exports.handler = () => 1;');
    writeFileSync(join(root, 'lib', 'util.js'), 'module.exports = 2;');
    writeFileSync(join(root, 'bootstrap'), '#!/bin/sh\n');
    chmodSync(join(root, 'bootstrap'), 0o755);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('the same content gives the same bytes, whatever the timestamps', () => {
    const first = zipDirectory(root);
    utimesSync(join(root, 'index.js'), new Date('2030-01-01'), new Date('2030-01-01'));
    expect(zipDirectory(root).equals(first)).toBe(true);
    writeFileSync(join(root, 'index.js'), 'exports.handler = () => 3;');
    expect(zipDirectory(root).equals(first)).toBe(false);
  });

  test('contents round-trip and the execute bit survives', () => {
    const zip = zipDirectory(root);
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual(['bootstrap', 'index.js', 'lib/util.js']);
    expect(Buffer.from(files['lib/util.js']!).toString()).toBe('module.exports = 2;');
    const modes = Object.fromEntries(readEntryModes(zip).map((e) => [e.name, e.mode & 0o777]));
    expect(modes).toEqual({ bootstrap: 0o755, 'index.js': 0o644, 'lib/util.js': 0o644 });
  });
});
