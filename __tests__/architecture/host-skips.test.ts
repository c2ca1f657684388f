import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

const TESTS = join(packageRoot(), '__tests__');

/** Every test file, with its text. */
const testFiles = (): { file: string; text: string }[] =>
  readdirSync(TESTS, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => ({ file, text: readFileSync(join(TESTS, file), 'utf8') }));

describe('tests that need something of the host', () => {
  test('skip through testIf/describeIf, which name what was missing, never through a bare conditional skip', () => {
    const files = testFiles();
    const helped = files.filter(({ text }) => /\b(testIf|describeIf)\(/.test(text));
    // Not vacuous: the root-only and tool-dependent tests go through the helper.
    expect(helped.map(({ file }) => file)).toEqual(
      expect.arrayContaining([join('local-lambda', 'isolation.test.ts'), join('local-lambda', 'root-set-up.test.ts')]),
    );
    const bare = files
      .filter(({ text }) => /\?\s*(test|it|describe)\s*:\s*(test|it|describe)\.skip\b/.test(text))
      .map(({ file }) => file);
    expect(bare).toEqual([]);
  });

  test('a test that finds out only while running returns through skipBecause, which the reporter lists, never after a bare warning', () => {
    const files = testFiles();
    expect(files.filter(({ text }) => /skipBecause\(/.test(text)).length).toBeGreaterThan(0);
    const quiet = files
      .filter(({ text }) => /console\.warn\([^;]*Skipping[^;]*\);\s*return;/.test(text))
      .map(({ file }) => file);
    expect(quiet).toEqual([]);
  });
});
