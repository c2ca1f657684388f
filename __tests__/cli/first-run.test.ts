import { CreateFunctionCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ProgressLine } from '../../src/cli/progress.js';
import { createLambdaClient } from '../../src/lambda/client.js';
import { startLocalLambda, type LocalLambda } from '../../src/local-lambda/service.js';
import { zipDirectory } from '../../src/lambda/zip-directory.js';
import { cliHere as cli } from '../helpers/cli-here.js';
import { cli as cliProcess } from '../helpers/cli-process.js';

/** Nothing listens there: a command that reached for AWS would fail with exit 3, not 2. */
const NOWHERE = 'http://127.0.0.1:9';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lpg-first-run-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function functionDirectory(name: string, files: Record<string, string>): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(path, file), text);
  return path;
}

function config(name: string, document: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, stringify(document));
  return file;
}

describe('every command answers --help and refuses flags it does not know', () => {
  test.each(['init', 'validate', 'run', 'demo', 'local-lambda'])('%s', async (command) => {
    const help = await cli([command, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^Usage: lambda-perf-gate ${command}`));
    // demo --bogus used to ignore the flag and run the 44 s demo; local-lambda must not start.
    const bogus = await cli([command, '--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain(`lambda-perf-gate: ${command}: unknown option --bogus`);
    expect(bogus.stderr).toContain(`Run "lambda-perf-gate ${command} --help" for usage.`);
  });

  test.each(['validate', 'run'])('%s --region that is not a region names the flag, not the file', async (command) => {
    const result = await cli([command, '--local', '--region', 'Virginia']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `lambda-perf-gate: --region: must be an AWS region such as us-east-1 (got "Virginia")`,
    );
  });

  test.each([
    [['validate', '-local'], 'validate: unknown option -local; long options take two dashes: --local'],
    // -q is an option of run: the word is still named, not -u.
    [['run', '-quiet'], 'run: unknown option -quiet; long options take two dashes: --quiet'],
    // -c takes a value ("onfig"), and the file is then an unexpected argument.
    [['validate', '-config', 'x.yml'], 'validate: unknown option -config; long options take two dashes: --config'],
  ])(
    'a long option written with one dash is named as written, with the two dashes it needs: %j',
    async (args, message) => {
      const result = await cli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`lambda-perf-gate: ${message}`);
    },
  );

  test('a word with one dash that is no option of the command is not given two dashes', async () => {
    const result = await cli(['validate', '-foo']);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('--foo');
  });
});

describe('lambda-perf-gate --version', () => {
  test.each(['--version', '-V'])("%s prints package.json's version and nothing else", async (flag) => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const result = await cliProcess([flag]);
    expect(result).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('lambda-perf-gate init', () => {
  test.each([
    [
      'a Node.js ES module',
      {
        'index.mjs': 'export const handler = async (event) => ({ ok: true, event });',
        'package.json': '{"engines": {"node": ">=22"}}',
      },
      'nodejs22.x',
      'index.handler',
    ],
    [
      'a CommonJS handler under another name',
      { 'app.js': 'exports.handler = async () => ({ ok: true });', 'util.js': 'module.exports = {};' },
      'nodejs22.x',
      'app.handler',
    ],
    [
      'a Python function',
      {
        'lambda_function.py': 'import json\n\ndef lambda_handler(event, context):\n    return {"ok": True}\n',
        '.python-version': '3.13\n',
      },
      'python3.13',
      'lambda_function.lambda_handler',
    ],
    ['an OS-only runtime', { bootstrap: '#!/bin/sh\nexit 0\n' }, 'provided.al2023', 'bootstrap'],
  ] as [string, Record<string, string>, string, string][])(
    'detects %s, writes a commented file, and validate accepts it on the local service',
    async (label, files, runtime, handler) => {
      const code = functionDirectory(`init-${runtime}-${handler}`, files);
      if ('bootstrap' in files) chmodSync(join(code, 'bootstrap'), 0o755);
      const file = join(dir, `init-${label.replaceAll(' ', '-')}.yml`);
      const init = await cli(['init', code, '--config', file]);
      expect(init.code).toBe(0);
      expect(init.stdout).toContain(`Wrote ${file}: `);
      expect(init.stdout).toContain(` (${runtime}, handler ${handler}: `);
      const text = readFileSync(file, 'utf8');
      expect(text).toMatch(/^# /);
      expect(text).toContain('max-regression: 5%');
      const written = parse(text) as {
        functions: { runtime: string; handler: string; candidate: string; baseline: string }[];
      };
      expect(written.functions[0]).toMatchObject({
        runtime,
        handler,
        candidate: `./${code.split('/').pop()}`,
        baseline: `./${code.split('/').pop()}`,
      });
      const validate = await cli(['validate', '--config', file, '--local']);
      expect(`${label}: ${validate.stdout}${validate.stderr}`).toContain(
        'the configuration and the files it names are valid',
      );
      expect(validate.code).toBe(0);
    },
  );

  test('a directory that shows no handler still gets a file, with the runtime to fill in', async () => {
    const code = functionDirectory('opaque', { 'README.txt': 'nothing to see' });
    const file = join(dir, 'opaque.yml');
    const init = await cli(['init', code, '-c', file]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('The runtime and handler were not detected: set them in the file.');
    expect(readFileSync(file, 'utf8')).toMatch(/runtime: nodejs22\.x +# not detected: set the runtime and the handler/);
  });

  test('an empty directory (the build not run yet) is refused, and no file is written', async () => {
    const code = functionDirectory('not-built-yet', {});
    const file = join(dir, 'not-built-yet.yml');
    const init = await cli(['init', code, '-c', file]);
    expect(init.code).toBe(2);
    expect(init.stderr).toContain(`${code} is empty: build the function first`);
    expect(existsSync(file)).toBe(false);
  });

  test('an existing file is kept unless --force', async () => {
    const code = functionDirectory('keep', { 'index.js': 'exports.handler = async () => 1;' });
    const file = join(dir, 'keep.yml');
    writeFileSync(file, 'mine: true\n');
    const refused = await cli(['init', code, '-c', file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${file} already exists; pass --append to add to it, or --force to overwrite it`);
    expect(readFileSync(file, 'utf8')).toBe('mine: true\n');
    const forced = await cli(['init', code, '-c', file, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('handler: index.handler');
  });

  test('a build output holding two functions, one per subdirectory, gets both, and validate accepts them', async () => {
    const dist = join(dir, 'two', 'dist');
    functionDirectory('two/dist/validator', { 'index.mjs': 'export const handler = async () => ({ ok: true });' });
    functionDirectory('two/dist/csv', { 'app.py': 'def handler(event, context):\n    return {"ok": True}\n' });
    functionDirectory('two/dist/node_modules/dep', { 'index.js': 'exports.handler = async () => 1;' });
    const file = join(dir, 'two', 'lambda-perf.yml');
    const init = await cli(['init', dist, '-c', file]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`Wrote ${file}: csv (python3.12, handler app.handler`);
    expect(init.stdout).toContain('validator (nodejs22.x, handler index.handler');
    const written = parse(readFileSync(file, 'utf8')) as { functions: Record<string, string>[] };
    expect(written.functions.map(({ name, handler, candidate }) => ({ name, handler, candidate }))).toEqual([
      { name: 'csv', handler: 'app.handler', candidate: './dist/csv' },
      { name: 'validator', handler: 'index.handler', candidate: './dist/validator' },
    ]);
    const validate = await cli(['validate', '--config', file, '--local']);
    expect(`${validate.stdout}${validate.stderr}`).toContain('the configuration and the files it names are valid');
  });

  test('several directories are one function each; --name, naming one, is refused beside them', async () => {
    const a = functionDirectory('several/a', { 'index.js': 'exports.handler = async () => 1;' });
    const b = functionDirectory('several/b', { 'index.js': 'exports.handler = async () => 2;' });
    const file = join(dir, 'several', 'lambda-perf.yml');
    expect((await cli(['init', a, b, '-c', file])).code).toBe(0);
    expect((parse(readFileSync(file, 'utf8')) as { functions: { name: string }[] }).functions).toMatchObject([
      { name: 'a' },
      { name: 'b' },
    ]);
    const named = await cli(['init', a, b, '-c', join(dir, 'several', 'named.yml'), '--name', 'x']);
    expect(named.code).toBe(2);
    expect(named.stderr).toContain('--name and --template describe one function, and the directories hold 2: a, b');
  });

  test('--append adds a function to an existing file and keeps its content and comments', async () => {
    const first = functionDirectory('append/first', { 'index.js': 'exports.handler = async () => 1;' });
    const second = functionDirectory('append/second', {
      'main.py': 'def lambda_handler(event, context):\n    return 1\n',
    });
    const file = join(dir, 'append', 'lambda-perf.yml');
    expect((await cli(['init', first, '-c', file])).code).toBe(0);
    const before = `${readFileSync(file, 'utf8')}# our own note: keep this\ntraffic:\n  invocations-per-month: 2500000 # measured in May\n`;
    writeFileSync(file, before);
    const added = await cli(['init', second, '-c', file, '--append']);
    expect(added.code).toBe(0);
    expect(added.stdout).toContain(`Added to ${file}: second (python3.12, handler main.lambda_handler`);
    const after = readFileSync(file, 'utf8');
    for (const kept of [
      '# lambda-perf-gate configuration. Check it with: npx lambda-perf-gate validate',
      '# our own note: keep this',
      'invocations-per-month: 2500000 # measured in May',
      '# detected: index.js exports handler',
    ])
      expect(after).toContain(kept);
    expect(after.startsWith(before.split('# our own note')[0]!)).toBe(true);
    expect(after.indexOf('  - name: second')).toBeLessThan(after.indexOf('# our own note: keep this'));
    const written = parse(after) as { functions: { name: string }[]; traffic: unknown };
    expect(written.functions.map((fn) => fn.name)).toEqual(['first', 'second']);
    expect(written.traffic).toEqual({ 'invocations-per-month': 2500000 });
    const again = await cli(['init', second, '-c', file, '--append']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`${file} already has a function named second; give another with --name`);
    expect(readFileSync(file, 'utf8')).toBe(after);
  });

  test('the $schema it writes is the raw schema file, the one the schema names as its $id', async () => {
    const code = functionDirectory('schema-url', { 'index.js': 'exports.handler = async () => 1;' });
    const file = join(dir, 'schema-url.yml');
    expect((await cli(['init', code, '-c', file])).code).toBe(0);
    const url = /\$schema=(\S+)/.exec(readFileSync(file, 'utf8'))?.[1];
    expect(url).toBe(
      'https://raw.githubusercontent.com/lambda-perf-gate/lambda-perf-gate/main/lambda-perf.schema.json',
    );
    expect((JSON.parse(readFileSync('lambda-perf.schema.json', 'utf8')) as { $id: string }).$id).toBe(url);
  });

  test('without a directory or a template it says what it needs', async () => {
    const result = await cli(['init', '-c', join(dir, 'nothing.yml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("init needs the function's code directory (e.g. init ./dist) or --template NAME");
  });
});

describe('lambda-perf-gate validate against a running service', () => {
  let service: LocalLambda;
  let code: string;
  const listed = async (): Promise<string[]> => {
    const client = createLambdaClient({ region: 'us-east-1', endpoint: service.endpoint });
    try {
      return ((await client.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName ?? '');
    } finally {
      client.destroy();
    }
  };
  beforeAll(async () => {
    service = await startLocalLambda();
    code = functionDirectory('template-code', { 'index.js': 'exports.handler = async () => ({ ok: true });' });
    const client = createLambdaClient({ region: 'us-east-1', endpoint: service.endpoint });
    try {
      await client.send(
        new CreateFunctionCommand({
          FunctionName: 'orders-live',
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/x',
          Code: { ZipFile: zipDirectory(code) },
        }),
      );
    } finally {
      client.destroy();
    }
  });
  afterAll(() => service.stop());

  test('a template that exists passes with read-only calls, and nothing is created', async () => {
    const file = join(dir, 'template.yml');
    expect((await cli(['init', code, '--template', 'orders-live', '-c', file])).code).toBe(0);
    const before = await listed();
    const result = await cli(['validate', '-c', file, '--endpoint', service.endpoint]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(
      `ok: credentials accepted, lambda:GetFunction on lpg-orders-live-validate (${service.endpoint})`,
    );
    expect(result.stdout).toContain('ok: lambda:GetFunctionConfiguration on orders-live');
    // Said last, once every check has answered.
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(
      `${file}: the configuration and the files it names are valid (orders-live)`,
    );
    expect(result.code).toBe(0);
    expect(await listed()).toEqual(before);
  });

  test('a template that does not exist is a problem: exit 2, naming it, and "valid" is never printed before it', async () => {
    const file = join(dir, 'missing-template.yml');
    expect((await cli(['init', code, '--template', 'orders-gone', '-c', file])).code).toBe(0);
    const result = await cli(['validate', '-c', file, '--endpoint', service.endpoint]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/problem: function orders-gone was not found during lambda:GetFunctionConfiguration/);
    expect(result.stdout).not.toContain('are valid');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe(`${file} is not valid: 1 problem above`);
  });

  test('what validate prints is redacted: a template named after a secret of the environment never shows', async () => {
    const secret = 'orders-s3cr3t-4f9a7c';
    const file = join(dir, 'secret-template.yml');
    expect((await cli(['init', code, '--template', secret, '-c', file])).code).toBe(0);
    const result = await cli(['validate', '-c', file, '--endpoint', service.endpoint], { ORDERS_API_TOKEN: secret });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(
      `ok: credentials accepted, lambda:GetFunction on lpg-***-validate (${service.endpoint})`,
    );
    expect(result.stdout).toMatch(/problem: function \*\*\* was not found during lambda:GetFunctionConfiguration/);
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
  });

  test('refused credentials are a problem: exit 2, saying so', async () => {
    const guarded = await startLocalLambda({ requireAuth: true });
    try {
      const file = config('guarded.yml', {
        region: 'us-east-1',
        functions: [
          {
            name: 'f',
            runtime: 'nodejs20.x',
            handler: 'index.handler',
            candidate: './template-code',
            baseline: './template-code',
            exemplars: [{ name: 'e', event: {} }],
          },
        ],
      });
      const result = await cli(['validate', '-c', file, '--endpoint', guarded.endpoint], {
        AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG1',
        AWS_SECRET_ACCESS_KEY: 'wrong',
      });
      expect(result.code).toBe(2);
      expect(result.stdout).toMatch(
        /problem: AWS credentials were refused during lambda:GetFunction \((UnrecognizedClientException|InvalidSignatureException)\)/,
      );
    } finally {
      await guarded.stop();
    }
  });
});

describe('validate catches before a run what a run would find only after deploying', () => {
  test('a handler file the code directory does not hold', async () => {
    functionDirectory('no-handler', { 'main.js': 'exports.handler = async () => 1;' });
    const file = config('no-handler.yml', {
      region: 'us-east-1',
      functions: [
        {
          name: 'f',
          runtime: 'nodejs20.x',
          handler: 'index.handler',
          candidate: './no-handler',
          baseline: './no-handler',
          exemplars: [{ name: 'e', event: {} }],
        },
      ],
    });
    const result = await cli(['validate', '-c', file, '--endpoint', NOWHERE]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `functions[0].handler: "index.handler" names index.js or index.mjs or index.cjs, which ${join(dir, 'no-handler')} does not hold`,
    );
  });

  test('a missing role on an endpoint that is not the local service: "not valid", never first "valid"', async () => {
    // Any Lambda-compatible endpoint but the local service asks for a role, as AWS does.
    const endpoint = createServer((request, response) => response.writeHead(404).end());
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    try {
      const code = functionDirectory('roleless', { 'index.js': 'exports.handler = async () => 1;' });
      const file = join(dir, 'roleless.yml');
      expect((await cli(['init', code, '-c', file])).code).toBe(0);
      const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
      const result = await cli(['validate', '-c', file, '--endpoint', url]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${file} is not valid:`);
      expect(result.stderr).toContain(
        'functions[0].role: required on a Lambda-compatible endpoint, as on AWS, when no template is given',
      );
      expect(result.stdout).not.toContain('valid');
    } finally {
      endpoint.close();
    }
  });

  test('an endpoint that does not answer is a problem: exit 2, naming it', async () => {
    const code = functionDirectory('answered', { 'index.js': 'exports.handler = async () => 1;' });
    const file = join(dir, 'nowhere.yml');
    expect((await cli(['init', code, '-c', file])).code).toBe(0);
    const result = await cli(['validate', '-c', file, '--endpoint', NOWHERE]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(`problem: cannot reach the Lambda endpoint ${NOWHERE}; is it running?`);
  });

  test('an endpoint without http:// is refused, in the file and as --endpoint, before any call', async () => {
    const code = functionDirectory('schemeless', { 'index.js': 'exports.handler = async () => 1;' });
    const file = join(dir, 'schemeless.yml');
    expect((await cli(['init', code, '-c', file])).code).toBe(0);
    for (const command of ['validate', 'run']) {
      const flag = await cli([command, '-c', file, '--endpoint', '127.0.0.1:9']);
      expect(flag.code).toBe(2);
      expect(flag.stderr).toContain(
        '--endpoint: "127.0.0.1:9" needs http:// or https:// in front, such as http://127.0.0.1:9',
      );
    }
    writeFileSync(file, `${readFileSync(file, 'utf8')}endpoint: localhost:9\n`);
    const key = await cli(['validate', '-c', file]);
    expect(key.code).toBe(2);
    expect(key.stderr).toContain(`${file} is not valid:`);
    expect(key.stderr).toContain(
      'endpoint: needs http:// or https:// in front, such as http://localhost:9 (got "localhost:9")',
    );
  });

  test('a misspelt runtime, before any call', async () => {
    const file = config('typo.yml', {
      region: 'us-east-1',
      functions: [
        {
          name: 'f',
          runtime: 'pyhton3.12',
          handler: 'app.handler',
          candidate: './no-handler',
          baseline: './no-handler',
          exemplars: [{ name: 'e', event: {} }],
        },
      ],
    });
    for (const command of ['validate', 'run']) {
      const result = await cli([command, '-c', file, '--endpoint', NOWHERE]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${file} is not valid:`);
      expect(result.stderr).toContain('functions[0].runtime: must be one of');
      expect(result.stderr).toContain('(got "pyhton3.12"); did you mean "python3.12"?');
    }
  });
});

describe('lambda-perf-gate run refuses what would fail late, before any AWS call', () => {
  let file: string;
  beforeAll(() => {
    functionDirectory('ok', { 'index.js': 'exports.handler = async () => ({ ok: true });' });
    file = config('ok.yml', {
      region: 'us-east-1',
      functions: [
        {
          name: 'f',
          runtime: 'nodejs20.x',
          handler: 'index.handler',
          candidate: './ok',
          baseline: './ok',
          exemplars: [{ name: 'e', event: {} }],
        },
      ],
    });
  });

  test.each([
    [
      'an empty --fail-on (it meant "never fail")',
      ['--fail-on', ''],
      '--fail-on is empty; give some of regression, budget, inconclusive, error, or none to never fail',
    ],
    [
      '--fail-on none beside a category',
      ['--fail-on', 'none,regression'],
      '--fail-on: "none" (never fail) cannot be combined with regression; give none alone, or only the categories',
    ],
    [
      'a --json file in a directory that does not exist',
      ['--json', '/nonexistent/dir/r.json'],
      '--json /nonexistent/dir/r.json: the directory /nonexistent/dir does not exist',
    ],
    [
      'a --state-file in a directory that does not exist',
      ['--state-file', '/nonexistent/x'],
      '--state-file /nonexistent/x: the directory /nonexistent does not exist',
    ],
    [
      // As root the directory "is writable" to access(2), yet no file can be made in it: only opening tells.
      'a --json file that cannot be created, in a directory that exists (/proc)',
      ['--json', '/proc/r.json'],
      '--json /proc/r.json: cannot be created (ENOENT: no such file or directory',
    ],
    [
      'a --markdown path that is a directory',
      ['--markdown', tmpdir()],
      `--markdown ${tmpdir()}: ${tmpdir()} is a directory; give a file name`,
    ],
  ])('%s', async (_label, extra, message) => {
    const result = await cli(['run', '-c', file, '--endpoint', NOWHERE, ...extra]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`lambda-perf-gate: ${message}`);
  });

  test('a directory as --config, or as a payload, is named as such (not EISDIR)', async () => {
    const asConfig = await cli(['run', '-c', dir, '--endpoint', NOWHERE]);
    expect(asConfig.code).toBe(2);
    expect(asConfig.stderr).toContain(`${dir} is not valid:\n  - is a directory, not a configuration file`);
    const payload = config('payload-dir.yml', {
      region: 'us-east-1',
      functions: [
        {
          name: 'f',
          runtime: 'nodejs20.x',
          handler: 'index.handler',
          candidate: './ok',
          baseline: './ok',
          exemplars: [{ name: 'e', payload: './ok' }],
        },
      ],
    });
    const asPayload = await cli(['run', '-c', payload, '--endpoint', NOWHERE]);
    expect(asPayload.code).toBe(2);
    expect(asPayload.stderr).toContain(
      `functions[0].exemplars[0].payload: ./ok is not a file (resolved to ${join(dir, 'ok')})`,
    );
    expect(`${asConfig.stderr}${asPayload.stderr}`).not.toContain('EISDIR');
  });
});

describe('expect-error: an exemplar meant to fail', () => {
  const validating = (acceptsBad: boolean): string => `
exports.handler = async (event) => {
  let h = 1;
  for (let i = 0; i < 300000; i++) h = Math.imul(h ^ i, 16777619);
  if (event.bad && ${!acceptsBad}) { const e = new Error('quantity must be positive'); e.name = 'ValidationError'; throw e; }
  return { ok: true, h };
};`;
  const document = (candidate: string) => ({
    functions: [
      {
        name: 'orders',
        runtime: 'nodejs20.x',
        handler: 'index.handler',
        baseline: './strict',
        candidate,
        memory: [1769],
        exemplars: [
          { name: 'good', event: {}, expect: { ok: true } },
          { name: 'bad', event: { bad: true }, 'expect-error': 'ValidationError' },
        ],
      },
    ],
    sampling: { 'pairs-per-environment': 3, batch: 8, 'max-environment-pairs': 16, concurrency: 2, seed: 3 },
  });
  beforeAll(() => {
    functionDirectory('strict', { 'index.js': validating(false) });
    functionDirectory('strict-too', { 'index.js': validating(false) });
    functionDirectory('lenient', { 'index.js': validating(true) });
  });

  test('the expected error is a correct answer, measured like any other; progress is one plain line per step off a terminal', async () => {
    const json = join(dir, 'expected.json');
    // No region in the file: on the embedded service it is not needed.
    const result = await cli([
      'run',
      '-c',
      config('expected.yml', document('./strict-too')),
      '--local',
      '--json',
      json,
      '--fail-on',
      'error',
    ]);
    expect(result.code).toBe(0);
    type Arm = { errors: number; wrongAnswers: number; warm: { n: number } };
    const report = JSON.parse(readFileSync(json, 'utf8')) as {
      functions: { findings: { kind: string; message: string }[]; variants: { baseline: Arm; candidate: Arm }[] }[];
    };
    const fn = report.functions[0]!;
    expect(fn.findings.filter((r) => r.kind === 'wrong-answer' || r.kind === 'baseline-error')).toEqual([]);
    for (const stats of [fn.variants[0]!.baseline, fn.variants[0]!.candidate]) {
      expect(stats.errors + stats.wrongAnswers).toBe(0);
      // Every warm call counts, the failing exemplar's included: 3 warm pairs per environment pair, 8 or more environment pairs.
      expect(stats.warm.n).toBeGreaterThanOrEqual(24);
    }
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines.every((line) => line.startsWith('· ') || line.startsWith('warning: '))).toBe(true);
    expect(result.stderr).not.toContain('\r');
    // One line per look (batch) at most: 16 environment pairs in batches of 8 is 2 looks.
    expect(lines.filter((line) => / look \d+ of \d+/.test(line)).length).toBeLessThanOrEqual(2);
    expect(lines.length).toBeLessThanOrEqual(6);
  });

  test('a success where the error was expected is a wrong answer that fails the run', async () => {
    const json = join(dir, 'unexpected.json');
    const result = await cli([
      'run',
      '-c',
      config('unexpected.yml', document('./lenient')),
      '--local',
      '--json',
      json,
      '--quiet',
      '--fail-on',
      'error',
    ]);
    expect(result.code).toBe(1);
    const report = JSON.parse(readFileSync(json, 'utf8')) as {
      functions: { findings: { kind: string; message: string }[] }[];
    };
    expect(report.functions[0]!.findings).toContainEqual(
      expect.objectContaining({
        kind: 'wrong-answer',
        message: expect.stringMatching(
          /^exemplar bad: the candidate answered \d+ of \d+ invocations wrongly \(succeeded where the error ValidationError was expected\)$/,
        ),
      }),
    );
  });
});

describe('progress on a terminal', () => {
  test('one live line, rewritten in place and cut to the width; cleared before other output', () => {
    const written: string[] = [];
    const line = new ProgressLine({ isTTY: true, columns: 30, write: (text: string) => written.push(text) });
    line.update('orders: preparing builds');
    const long = 'orders: look 1 of 5, 8 environment pairs per variant: 512MB +3.0% open';
    line.update(long);
    line.end();
    // 29 columns: one short of the width, so the cursor never wraps.
    expect(written).toEqual([
      '\r\x1b[2K· orders: preparing builds',
      `\r\x1b[2K${`· ${long}`.slice(0, 28)}…`,
      '\r\x1b[2K',
    ]);
    expect(written.join('')).not.toContain('\n');
  });

  test('a terminal that reports no width gets 80 columns', () => {
    const written: string[] = [];
    const line = new ProgressLine({ isTTY: true, columns: 0, write: (text: string) => written.push(text) });
    line.update('orders: creating 6 perf functions (3 variant(s) x 2 builds)');
    expect(written).toEqual(['\r\x1b[2K· orders: creating 6 perf functions (3 variant(s) x 2 builds)']);
  });

  test('off a terminal, each step is a line of its own', () => {
    const written: string[] = [];
    const line = new ProgressLine({ isTTY: false, write: (text: string) => written.push(text) });
    line.update('a');
    line.update('b\nc');
    line.end();
    expect(written).toEqual(['· a\n', '· b c\n']);
  });
});
