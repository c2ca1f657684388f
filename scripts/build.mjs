// Bundles each entry point with @vercel/ncc into dist/, deterministically (no source maps with
// machine paths), so CI can rebuild and diff it.
import { execFileSync } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';

const entries = [
  ['src/cli/index.ts', 'dist/cli'],
  ['src/action/index.ts', 'dist/action'],
  ['src/action/cleanup.ts', 'dist/action-cleanup'],
];
rmSync('dist', { recursive: true, force: true });
for (const [entry, out] of entries) {
  execFileSync('npx', ['ncc', 'build', entry, '-o', out, '--quiet', '--target', 'es2022'], { stdio: 'inherit' });
}
// The action's post step sits beside its main script, as action.yml names it.
renameSync('dist/action-cleanup/index.js', 'dist/action/cleanup.js');
rmSync('dist/action-cleanup', { recursive: true, force: true });
