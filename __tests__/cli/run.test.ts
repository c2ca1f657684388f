import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { createLambdaClient } from '../../src/lambda/client.js';
import { startLocalLambda } from '../../src/local-lambda/service.js';
import { parseReport } from '../../src/report/json.js';
import type { GateReport } from '../../src/result/model.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { cliHere as cli } from '../helpers/cli-here.js';
import { CLI, cli as cliProcess } from '../helpers/cli-process.js';
import { readJobLog } from '../helpers/job-log.js';

const run = promisify(execFile);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lpg-cli-run-'));
  for (const [build, micros] of [
    ['baseline', 2000],
    ['candidate', 4000],
  ] as const) {
    mkdirSync(join(dir, build));
    writeFileSync(
      join(dir, build, 'index.js'),
      `exports.handler = async () => { let h = 1; for (let i = 0; i < ${micros * 1000}; i++) h = Math.imul(h ^ i, 16777619); return { ok: true, h }; };`,
    );
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, document: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, stringify(document));
  return file;
}

/**
 * A run of the valid configuration with this change to its function, against an endpoint where
 * nothing listens: exit 2, not 3, shows it was refused before any call was tried.
 */
async function refusedUpFront(name: string, change: Record<string, unknown>): Promise<{ stderr: string }> {
  const file = config(name, { ...valid, functions: [{ ...valid.functions[0], ...change }] });
  const result = await cli(['run', '--config', file, '--endpoint', 'http://127.0.0.1:9']);
  expect(result.code).toBe(2);
  return result;
}

/** A secret in the environment of the runs that try to forge workflow commands. */
const FORGER_SECRET = 'tok-0123456789abcdef';

const valid = {
  region: 'us-east-1',
  functions: [
    {
      name: 'fn',
      runtime: 'nodejs20.x',
      handler: 'index.handler',
      baseline: './baseline',
      candidate: './candidate',
      memory: [1769],
      exemplars: [{ name: 'e', event: {}, expect: { ok: true } }],
    },
  ],
  sampling: { 'pairs-per-environment': 3, batch: 8, 'max-environment-pairs': 16, concurrency: 1, seed: 1 },
};

/** A configuration whose candidate always throws an error named `errorName`, with an integration command. */
function failingCandidate(name: string, errorName: string, command: string): string {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(
    join(dir, name, 'index.js'),
    `exports.handler = async () => { const e = new Error('no'); e.name = ${JSON.stringify(errorName)}; throw e; };`,
  );
  return config(`${name}.yml`, {
    ...valid,
    functions: [
      { ...valid.functions[0], candidate: `./${name}`, integration: { command, 'max-log-wait-s': 5, repeat: 1 } },
    ],
  });
}

describe('lambda-perf-gate run', () => {
  test('a bad configuration exits 2, naming the file, the key and the value, and touches nothing', async () => {
    const file = config('bad.yml', { ...valid, functions: [{ ...valid.functions[0], memory: [64] }] });
    const result = await cli(['run', '--config', file, '--local']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file} is not valid:`);
    expect(result.stderr).toContain('functions[0].memory[0]: must be at least 128 (got 64)');
  });

  test('an unreachable endpoint exits 3 and says so', async () => {
    const result = await cli(['run', '--config', config('ok.yml', valid), '--endpoint', 'http://127.0.0.1:9']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/infrastructure error: cannot reach the Lambda endpoint http:\/\/127\.0\.0\.1:9/);
  });

  test('--local measures on the embedded service: a regression exits 1 and the reports are written; --fail-on none exits 0', async () => {
    const file = config('run.yml', valid);
    const json = join(dir, 'report.json');
    const markdown = join(dir, 'report.md');
    const failing = await cli(['run', '--config', file, '--local', '--json', json, '--markdown', markdown, '--quiet']);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/^lambda-perf-gate: FAIL/);
    expect(JSON.parse(readFileSync(json, 'utf8'))).toMatchObject({
      schemaVersion: 5,
      verdict: 'fail',
      backend: 'local',
    });
    expect(readFileSync(markdown, 'utf8')).toContain('## ❌ lambda-perf-gate: fail');
    // After a regression the gate profiles both builds (profile: on-regression, the default): the
    // handler does twice the work, and both profiles are written beside the JSON report.
    const profile = (JSON.parse(readFileSync(json, 'utf8')) as GateReport).functions[0]!.profile!;
    expect(profile).toMatchObject({
      backend: 'local',
      files: {
        baseline: join(dir, 'lambda-perf-profile-fn-baseline.cpuprofile'),
        candidate: join(dir, 'lambda-perf-profile-fn-candidate.cpuprofile'),
      },
    });
    // Profiled on a service of its own after the verdict: its invocations are not among those
    // counted, which are exactly the environment pairs' cold calls and 3 warm pairs.
    const fn = (JSON.parse(readFileSync(json, 'utf8')) as GateReport).functions[0]!;
    const warm = fn.variants[0]!.comparisons.find((c) => c.metric === 'warm')!;
    expect(fn.invocations.total).toBe(warm.units * 2 * 4);
    const changes = 'changes' in profile ? profile.changes : [];
    expect(changes[0]).toMatchObject({ function: 'exports.handler', file: 'index.js', line: 1, status: 'changed' });
    expect(changes[0]!.interval[0]).toBeGreaterThan(0);
    for (const file of ['baseline', 'candidate'])
      expect(JSON.parse(readFileSync(join(dir, `lambda-perf-profile-fn-${file}.cpuprofile`), 'utf8'))).toMatchObject({
        nodes: expect.any(Array),
        samples: expect.any(Array),
      });
    expect(readFileSync(markdown, 'utf8')).toContain('🔎 where: <code>exports.handler</code> (index.js:1) +');
    // Ordinary text reaches the terminal as the renderer wrote it, with no workflow-command guard.
    expect(failing.stdout).toBe(renderTerminal(parseReport(readFileSync(json, 'utf8')) as GateReport));
    const tolerated = await cli([
      'run',
      '--config',
      file,
      '--local',
      '--quiet',
      '--fail-on',
      'none',
      '--profile',
      'never',
    ]);
    expect(tolerated.code).toBe(0);
    expect(tolerated.stderr).toContain('warning: the verdict is fail, but nothing in --fail-on (none) applies');
  });

  test('SIGTERM mid-run deletes what the run created and exits 143', async () => {
    const service = await startLocalLambda();
    const client = createLambdaClient({ region: 'us-east-1', endpoint: service.endpoint });
    const listed = async () =>
      ((await client.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName);
    try {
      const slow = { ...valid, sampling: { ...valid.sampling, batch: 100, 'max-environment-pairs': 500 } };
      writeFileSync(
        join(dir, 'baseline', 'slow.js'),
        'exports.handler = async () => { await new Promise((r) => setTimeout(r, 200)); return { ok: true }; };',
      );
      const file = config('slow.yml', {
        ...slow,
        functions: [{ ...slow.functions[0], handler: 'slow.handler', candidate: './baseline' }],
      });
      const child = spawn(
        process.execPath,
        [...CLI, 'run', '--config', file, '--endpoint', service.endpoint, '--quiet'],
        { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const deadline = Date.now() + 30_000;
      while ((await listed()).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      // One perf function per build of the one variant.
      expect(await listed()).toHaveLength(2);
      await new Promise((r) => setTimeout(r, 1000));
      child.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect(await listed()).toEqual([]);
    } finally {
      client.destroy();
      await service.stop();
    }
  });

  test('secrets a function or a command prints reach neither the report files nor the terminal', async () => {
    const secret = 'pw-0123456789abcdef';
    // The masked value is made at run time, as a token fetched by a test suite would be.
    const command = 'v="made-up-secret-$((700 + 77))"; echo "::add-mask::$v"; echo "db $LPG_DB_PASSWORD $v"; exit 2';
    const file = failingCandidate('leaky', `DbError ${secret}`, command);
    const json = join(dir, 'leaky.json');
    const markdown = join(dir, 'leaky.md');
    const result = await run(
      process.execPath,
      [...CLI, 'run', '--config', file, '--local', '--json', json, '--markdown', markdown],
      { env: { ...process.env, NODE_OPTIONS: '', LPG_DB_PASSWORD: secret } },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    const written = {
      json: readFileSync(json, 'utf8'),
      markdown: readFileSync(markdown, 'utf8'),
      stdout: result.stdout,
      stderr: result.stderr,
    };
    for (const [where, text] of Object.entries(written)) {
      for (const leaked of [secret, 'made-up-secret-777'])
        expect(`${where}: ${text.includes(leaked) ? leaked : 'clean'}`).toBe(`${where}: clean`);
    }
    expect(result.stdout).toContain('(DbError ***)');
    expect(result.stdout).toContain('db *** ***');
  });

  test('hostile text in a configuration reaches stderr redacted, and acts as no workflow command', async () => {
    const hostile = `./missing\n::add-mask::x ##[stop-commands]forged ${FORGER_SECRET}`;
    const file = config('forged.yml', { ...valid, functions: [{ ...valid.functions[0], candidate: hostile }] });
    const result = await cli(['run', '--config', file, '--local'], { LPG_TEST_API_TOKEN: FORGER_SECRET });
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain(FORGER_SECRET);
    const log = readJobLog(result.stderr);
    expect(log).toMatchObject({ commands: [], stopped: false });
    expect(log.shown.join('\n')).toContain(`${file} is not valid:`);
    expect(log.shown.join('\n')).toContain('##[stop-commands]forged ***');
  });

  test('what a function or a command prints acts as no workflow command on the terminal; the report reads as rendered', async () => {
    const command = 'echo "::add-mask::x"; echo "##[stop-commands]forged"; echo "key $LPG_TEST_API_TOKEN"; exit 2';
    const file = failingCandidate('forging', 'DbError ##[stop-commands]forged', command);
    const json = join(dir, 'forging.json');
    // A process of its own: what the command prints must not reach the terminal by any way.
    const result = await cliProcess(['run', '--config', file, '--local', '--json', json], {
      LPG_TEST_API_TOKEN: FORGER_SECRET,
    });
    expect(result.code).toBe(1);
    for (const [stream, text] of Object.entries({ stdout: result.stdout, stderr: result.stderr })) {
      const { commands, stopped } = readJobLog(text);
      expect({ stream, commands, stopped, leaked: text.includes(FORGER_SECRET) }).toEqual({
        stream,
        commands: [],
        stopped: false,
        leaked: false,
      });
    }
    const shown = readJobLog(result.stdout).shown;
    expect(shown.join('\n')).toBe(renderTerminal(parseReport(readFileSync(json, 'utf8')) as GateReport));
    expect(shown).toEqual(expect.arrayContaining(['::add-mask::x', '##[stop-commands]forged', 'key ***']));
    expect(shown.join('\n')).toContain('DbError ##[stop-commands]forged');
  });

  test('a handler file the candidate does not hold is refused before anything is started, as validate refuses it', async () => {
    const result = await refusedUpFront('no-handler.yml', { handler: 'main.handler' });
    expect(result.stderr).toContain(
      `functions[0].handler: "main.handler" names main.js or main.mjs or main.cjs, which ${join(dir, 'candidate')} does not hold`,
    );
  });

  test('a corrupt zip build is refused before anything is started, naming the file, not exit 3 at CreateFunction', async () => {
    writeFileSync(join(dir, 'corrupt.zip'), 'PK, but no archive');
    const result = await refusedUpFront('corrupt-zip.yml', { candidate: './corrupt.zip' });
    expect(result.stderr).toContain(
      `functions[0].candidate: ${join(dir, 'corrupt.zip')} is not a zip archive Lambda can unzip (no end of central directory)`,
    );
  });

  test('a handler function the candidate does not define is refused by run and validate before anything is started', async () => {
    const expected = `functions[0].handler: "index.handle": index.js in ${join(dir, 'candidate')} defines nothing named "handle" (it exports: handler)`;
    const result = await refusedUpFront('misnamed.yml', { handler: 'index.handle' });
    expect(result.stderr).toContain(expected);
    const validate = await cli(['validate', '--config', join(dir, 'misnamed.yml'), '--endpoint', 'http://127.0.0.1:9']);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(expected);
  });

  test('an export misspelt in both builds exits 1, naming the error and its message', async () => {
    // The file mentions the name, so the check before the run cannot be sure it is missing.
    mkdirSync(join(dir, 'misspelt'), { recursive: true });
    writeFileSync(join(dir, 'misspelt', 'index.js'), 'exports.handler = async () => ({ ok: true }); // not handle');
    const file = config('misspelt.yml', {
      ...valid,
      functions: [{ ...valid.functions[0], handler: 'index.handle', baseline: './misspelt', candidate: './misspelt' }],
    });
    const result = await cli(['run', '--config', file, '--local', '--quiet']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'both builds fail every call (the candidate 4 of 4, the baseline 4 of 4): Runtime.HandlerNotFound: index.handle is undefined or not exported',
    );
  });

  test('what both builds failing every call said is redacted like the rest of the report', async () => {
    const secret = 'pw-fedcba9876543210';
    mkdirSync(join(dir, 'no-db'), { recursive: true });
    writeFileSync(
      join(dir, 'no-db', 'index.js'),
      `exports.handler = async () => { throw new Error('no database at postgres://app:${secret}@db'); };`,
    );
    const file = config('no-db.yml', {
      ...valid,
      functions: [{ ...valid.functions[0], baseline: './no-db', candidate: './no-db' }],
    });
    const json = join(dir, 'no-db.json');
    const result = await cli(['run', '--config', file, '--local', '--quiet', '--json', json], {
      LPG_DB_PASSWORD: secret,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('both builds fail every call');
    expect(result.stdout).toContain('Error: no database at postgres://app:***@db');
    for (const text of [result.stdout, result.stderr, readFileSync(json, 'utf8')]) expect(text).not.toContain(secret);
  });

  test('a bad --fail-on is a usage error', async () => {
    const result = await cli(['run', '--config', config('ok2.yml', valid), '--fail-on', 'slow']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--fail-on: "slow" is not one of regression, budget, inconclusive, error (or none)',
    );
  });
});
