// Bundles each entry point with @vercel/ncc into dist/, deterministically (no source maps with
// machine paths), so CI can rebuild and diff it.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const entries = [['src/cli/index.ts', 'dist/cli']];
rmSync('dist', { recursive: true, force: true });
for (const [entry, out] of entries) {
  execFileSync('npx', ['ncc', 'build', entry, '-o', out, '--quiet', '--target', 'es2022'], { stdio: 'inherit' });
}
