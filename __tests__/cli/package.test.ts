import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const env = {
  ...process.env,
  NODE_OPTIONS: '',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lpg-package-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the npm package', () => {
  test('npm pack holds the bundled CLI, the example and the schema, and installs to a working npx lambda-perf-gate', async () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
      private?: boolean;
      bin: Record<string, string>;
      dependencies: Record<string, string>;
      engines: { node: string };
    };
    expect(manifest.private).toBeUndefined();
    expect(manifest.bin['lambda-perf-gate']).toBe('dist/cli/index.js');
    // ncc bundles every library the CLI imports into dist/; the one dependency left is what the
    // demo's example integration suite imports itself.
    expect(Object.keys(manifest.dependencies)).toEqual(['@aws-sdk/client-lambda']);

    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { env });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    const files = packed!.files.map((f) => f.path);
    for (const expected of [
      'package.json',
      'README.md',
      'LICENSE',
      'dist/cli/index.js',
      'lambda-perf.schema.json',
      // Read at run time (pricing), not bundled.
      'data/lambda-prices.json',
      'examples/orders/lambda-perf.yml',
      'examples/orders/integration/orders.integration.mjs',
    ]) {
      expect(files).toContain(expected);
    }
    expect(files.filter((f) => /^(src|__tests__|bench|scripts|dist\/action)\//.test(f))).toEqual([]);

    // A project of a user, offline: the one runtime dependency comes from this checkout, the rest from the tarball.
    const project = join(dir, 'project');
    mkdirSync(project);
    const sdk = resolve('node_modules/@aws-sdk/client-lambda');
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'user-project',
        private: true,
        dependencies: { '@aws-sdk/client-lambda': `file:${sdk}` },
      }),
    );
    await run('npm', ['install', '--offline', '--ignore-scripts', join(dir, packed!.filename)], { cwd: project, env });
    const help = await run('npx', ['--offline', '--no-install', 'lambda-perf-gate', '--help'], { cwd: project, env });
    expect(help.stdout).toMatch(
      /^lambda-perf-gate: a performance and cost gate for AWS Lambda pull requests\n\nUsage:/,
    );
    const installed = JSON.parse(readFileSync(join(project, 'node_modules/lambda-perf-gate/package.json'), 'utf8')) as {
      version: string;
    };
    expect(installed.version).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
