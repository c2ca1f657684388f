import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed package's root, found by walking up from this module, so bundled assets such
 * as the examples are found from `src/` under tests and from `dist/` when bundled alike.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let directory = dirname(from); ; directory = dirname(directory)) {
    const manifest = join(directory, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'lambda-perf-gate'
    ) {
      return directory;
    }
    if (dirname(directory) === directory) throw new Error(`cannot find the lambda-perf-gate package above ${from}`);
  }
}

/** The tool's version, read once from its package.json (the one place it is written). */
export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
).version;
