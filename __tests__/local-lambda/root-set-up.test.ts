import { CreateFunctionCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { zipSync, type Zippable } from 'fflate';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invoke, startTestService, uniqueName, type TestService } from '../helpers/local-service.js';
import { describeIf, testIf } from '../helpers/host-needs.js';

const root = process.getuid?.() === 0;
const gcc = spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;
if (!root) console.warn('Skipping the root set-up tests: they need the service to run as root.');
else if (!gcc) console.warn('Skipping the LD_PRELOAD test: it needs gcc to build a shared library.');

/**
 * Where the planted programs write the uid they ran as: under /run, which an environment sees
 * (its /tmp is private), writable by every environment's user.
 */
let evidence: string;
let t: TestService;

const ranAs = (): number[] =>
  existsSync(join(evidence, 'uids'))
    ? readFileSync(join(evidence, 'uids'), 'utf8').split('\n').filter(Boolean).map(Number)
    : [];

async function deployZip(files: Record<string, Buffer | [Buffer, number]>, variables: Record<string, string>) {
  const entries: Zippable = {};
  for (const [name, file] of Object.entries(files))
    entries[name] = Buffer.isBuffer(file) ? file : [file[0], { os: 3, attrs: (0o100000 | file[1]) * 0x10000 }];
  const name = uniqueName('setup');
  await t.client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/test',
      MemorySize: 256,
      Timeout: 10,
      Environment: { Variables: variables },
      Code: { ZipFile: zipSync(entries) },
    }),
  );
  await waitUntilFunctionActiveV2({ client: t.client, maxWaitTime: 10, minDelay: 1 }, { FunctionName: name });
  return name;
}

const HANDLER = Buffer.from(
  'exports.handler = async () => ({ uid: process.getuid(), cwd: process.cwd(), root: process.env.LAMBDA_TASK_ROOT, odd: process.env.ODD_VALUE, path: process.env.PATH });',
);
const ODD = `it's "odd"\n$HOME \`id\` \\`;

describeIf(root, 'root')("the set-up that runs as root takes nothing from the function's environment", () => {
  beforeAll(async () => {
    evidence = mkdtempSync('/run/lpg-setup-evidence-');
    chmodSync(evidence, 0o1777);
    t = await startTestService({ cpuThrottle: false });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(evidence, { recursive: true, force: true });
  });
  beforeEach(() => rmSync(join(evidence, 'uids'), { force: true }));

  test('programs planted in the package and put first on PATH are never run as root', async () => {
    const planted = (program: string): [Buffer, number] => [
      Buffer.from(`#!/usr/bin/sh\nid -u >> ${evidence}/uids\nexec /usr/bin/${program} "$@"\n`),
      0o755,
    ];
    const programs = ['mount', 'mkdir', 'setpriv', 'sh', 'unshare', 'cat', 'env', 'echo'];
    const name = await deployZip(
      { 'index.js': HANDLER, ...Object.fromEntries(programs.map((program) => [program, planted(program)])) },
      { PATH: '.:/usr/bin:/bin', ODD_VALUE: ODD },
    );
    const { json } = await invoke(t.client, name);
    expect(ranAs()).not.toContain(0);
    // The runtime itself still gets every variable as written, and starts in its code directory.
    const result = json as { uid: number; cwd: string; root: string; odd: string; path: string };
    expect(result.uid).toBeGreaterThanOrEqual(40_000);
    expect(result.cwd).toBe(result.root);
    expect(result.odd).toBe(ODD);
    expect(result.path).toBe('.:/usr/bin:/bin');
  }, 60_000);

  testIf(gcc, 'gcc')(
    'an LD_PRELOAD library in the package loads into the runtime only, never as root',
    async () => {
      const build = mkdtempSync(join(tmpdir(), 'lpg-preload-'));
      try {
        writeFileSync(
          join(build, 'evil.c'),
          `#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void planted(void) {
  FILE *f = fopen("${evidence}/uids", "a");
  if (f) { fprintf(f, "%d\\n", (int)getuid()); fclose(f); }
}
`,
        );
        const compiled = spawnSync('gcc', ['-shared', '-fPIC', '-o', join(build, 'evil.so'), join(build, 'evil.c')], {
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(compiled.stderr).toBe('');
        const name = await deployZip(
          { 'index.js': HANDLER, 'evil.so': [readFileSync(join(build, 'evil.so')), 0o755] },
          { LD_PRELOAD: './evil.so' },
        );
        const { json } = await invoke(t.client, name);
        const uids = ranAs();
        expect(uids).not.toContain(0);
        // It did load where the function may load it: into its own runtime, as its own user.
        expect(uids).toContain((json as { uid: number }).uid);
      } finally {
        rmSync(build, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
