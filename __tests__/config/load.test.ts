import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig, validateConfig } from '../../src/config/load.js';
import { configJsonSchema } from '../../src/config/schema.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lpg-config-'));
  mkdirSync(join(dir, 'build', 'candidate'), { recursive: true });
  mkdirSync(join(dir, 'build', 'baseline'), { recursive: true });
  mkdirSync(join(dir, 'events'));
  writeFileSync(join(dir, 'events', 'small.json'), '{"id": 1}');
  writeFileSync(join(dir, 'events', 'broken.json'), '{"id": ');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = () => ({
  region: 'us-east-1',
  functions: [
    {
      name: 'orders',
      runtime: 'nodejs20.x',
      handler: 'index.handler',
      candidate: './build/candidate',
      baseline: './build/baseline',
      memory: [256, 512],
      exemplars: [{ name: 'small', payload: './events/small.json', weight: 3, expect: { statusCode: 200 } }],
      budgets: { 'warm-p90-ms': 150, 'max-regression': '5%' },
    },
  ],
});

function problemsOf(document: unknown): string[] {
  try {
    validateConfig(document, join(dir, 'lambda-perf.yml'), { env: {} });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected the configuration to be refused');
}

function withFunction(change: Record<string, unknown>): unknown {
  const document = base();
  Object.assign(document.functions[0]!, change);
  return document;
}

describe('configuration', () => {
  test('a valid file loads, with defaults, resolved paths and the tolerance as a fraction', () => {
    const file = join(dir, 'lambda-perf.yml');
    writeFileSync(file, stringify(base()));
    const config = loadConfig(file, { env: {} });
    expect(config.region).toBe('us-east-1');
    expect(config.sampling).toEqual({
      pairsPerEnvironment: 5,
      batch: 8,
      maxEnvironmentPairs: 56,
      concurrency: 4,
      confidence: 0.99,
      passConfidence: 0.95,
      design: 'separate',
    });
    expect(config.strategy).toBe('cheapest-within-budget');
    const fn = config.functions[0]!;
    expect(fn.candidate).toEqual({ kind: 'directory', path: join(dir, 'build', 'candidate') });
    expect(fn.tolerance).toBeCloseTo(0.05);
    expect(fn.exemplars[0]!.payload.toString()).toBe('{"id": 1}');
    expect(fn.variants).toEqual([{ name: 'default', environment: {} }]);
    expect(fn.budgets).toEqual({ 'warm-p90-ms': 150 });
  });

  test('the confidence levels take a percentage as the tolerances do: 99% is 0.99', () => {
    const document = { ...base(), sampling: { confidence: '99.5%', 'pass-confidence': 0.9 } };
    const config = validateConfig(document, join(dir, 'lambda-perf.yml'), { env: {} });
    expect(config.sampling.confidence).toBeCloseTo(0.995, 10);
    expect(config.sampling.passConfidence).toBe(0.9);
  });

  test('the monthly traffic says whether the file gave it or it is the default', () => {
    const load = (document: unknown) => validateConfig(document, join(dir, 'lambda-perf.yml'), { env: {} }).traffic;
    expect(load(base())).toMatchObject({ invocationsPerMonth: 1_000_000, source: 'default' });
    expect(load({ ...base(), traffic: { 'cold-start-rate': 0.05 } })).toMatchObject({
      invocationsPerMonth: 1_000_000,
      source: 'default',
    });
    expect(load({ ...base(), traffic: { 'invocations-per-month': 5e6 } })).toMatchObject({
      invocationsPerMonth: 5e6,
      source: 'config',
    });
  });

  test("integration settles per function, else from the top level, running in the file's directory", () => {
    const document = { ...base(), integration: { command: 'npm run test:integration', environment: { FN: '${arn}' } } };
    const config = validateConfig(document, join(dir, 'lambda-perf.yml'), { env: {} });
    expect(config.functions[0]!.integration).toEqual({
      command: 'npm run test:integration',
      directory: dir,
      timeoutS: 600,
      repeat: 2,
      environment: { FN: '${arn}' },
      maxLogWaitS: 120,
      concurrent: true,
    });
    const own = withFunction({ integration: { command: 'make it', repeat: 3, 'timeout-s': 60 } });
    expect(validateConfig(own, join(dir, 'lambda-perf.yml'), { env: {} }).functions[0]!.integration).toMatchObject({
      command: 'make it',
      repeat: 3,
      timeoutS: 60,
    });
    expect(problemsOf(withFunction({ integration: { command: 'x', repeat: 0 } }))).toContain(
      'functions[0].integration.repeat: must be at least 1 (got 0)',
    );
  });

  test('JSON files load too, and the region may come from AWS_REGION', () => {
    const file = join(dir, 'lambda-perf.json');
    const document = base() as Record<string, unknown>;
    delete document.region;
    writeFileSync(file, JSON.stringify(document));
    expect(loadConfig(file, { env: { AWS_REGION: 'eu-west-1' } }).region).toBe('eu-west-1');
  });

  test.each([
    [
      'a memory size out of range',
      withFunction({ memory: [256, 20000] }),
      'functions[0].memory[1]: must be at most 10240 (got 20000)',
    ],
    [
      'a typo in a key, with the valid keys',
      withFunction({ memroy: [256] }),
      'functions[0].memroy: unknown key; valid keys here: name, template, runtime, handler',
    ],
    [
      'a traffic key at the top level, with where it belongs',
      { ...base(), 'account-gb-seconds-per-month': 4e6 },
      'account-gb-seconds-per-month: not a key at the top level; it belongs under traffic (traffic: {account-gb-seconds-per-month: ...})',
    ],
    [
      "a function's key at the top level, with where it belongs",
      { ...base(), memory: [512] },
      'memory: not a key at the top level; it belongs in each entry of functions (functions: [{memory: ...}])',
    ],
    [
      'a key that belongs to no object inside this one keeps the list of valid keys',
      withFunction({ budgets: { 'pairs-per-environment': 3 } }),
      'functions[0].budgets.pairs-per-environment: unknown key; valid keys here:',
    ],
    [
      'an unknown profile mode, with the valid ones',
      { ...base(), profile: 'sometimes' },
      'profile: must be one of "on-regression", "always", "never" (got "sometimes")',
    ],
    [
      'an unknown strategy, with the valid ones',
      { ...base(), strategy: 'fastest' },
      'strategy: must be one of "cost", "speed", "balanced", "cheapest-within-budget" (got "fastest")',
    ],
    [
      'a tolerance that is not a percentage',
      withFunction({ budgets: { 'max-regression': 'a lot' } }),
      'functions[0].budgets.max-regression: must be a percentage such as 5% (got "a lot")',
    ],
    [
      'a bare number as tolerance (5 was read as 500%)',
      withFunction({ budgets: { 'max-regression': 5 } }),
      'functions[0].budgets.max-regression: must be a percentage: write 5% (got 5)',
    ],
    [
      'a bare fraction as tolerance',
      withFunction({ budgets: { 'max-regression': 0.05 } }),
      'functions[0].budgets.max-regression: must be a percentage: write 5% (got 0.05)',
    ],
    [
      'a tolerance above 100%',
      withFunction({ budgets: { 'max-regression': '500%' } }),
      'functions[0].budgets.max-regression: must be at most 100% (got "500%")',
    ],
    [
      'a tolerance of 0%, which no interval of an unchanged function falls below',
      withFunction({ budgets: { 'max-regression': '0%' } }),
      'functions[0].budgets.max-regression: must be above 0%: no interval falls below 0% even when nothing changed, so no run could pass; write the slowdown you accept, such as 5% (got "0%")',
    ],
    [
      'a tolerance of 0.0%',
      withFunction({ budgets: { 'max-regression': '0.0%' } }),
      'functions[0].budgets.max-regression: must be above 0%',
    ],
    [
      'a misspelt runtime, with the known ones and the likely one',
      withFunction({ runtime: 'pyhton3.12' }),
      'functions[0].runtime: must be one of "dotnet8", "dotnet10", "java8.al2"',
    ],
    [
      'a fractional integer, in plain words',
      { ...base(), sampling: { batch: 2.5 } },
      'sampling.batch: must be an integer (got 2.5)',
    ],
    [
      'an environment variable with a bad name',
      withFunction({ environment: { '1BAD': 'x' } }),
      'functions[0].environment.1BAD: is not a valid variable name: use letters, digits and _, starting with a letter',
    ],
    [
      'an environment variable without a value',
      withFunction({ environment: { EMPTY: null } }),
      'functions[0].environment.EMPTY: must be a string, a number or true/false (got null)',
    ],
    [
      'both expect and expect-error',
      withFunction({ exemplars: [{ name: 'x', event: {}, expect: {}, 'expect-error': 'ValidationError' }] }),
      'functions[0].exemplars[0]: give expect (for an answer) or expect-error (for a failure), not both',
    ],
    [
      'an expect-error that is no error type',
      withFunction({ exemplars: [{ name: 'x', event: {}, 'expect-error': 'a b' }] }),
      'functions[0].exemplars[0].expect-error: must be an error type such as ValidationError',
    ],
    [
      'a missing candidate',
      withFunction({ candidate: './build/nowhere' }),
      'functions[0].candidate: ./build/nowhere does not exist',
    ],
    [
      'a missing payload file',
      withFunction({ exemplars: [{ name: 'x', payload: './events/none.json' }] }),
      'functions[0].exemplars[0].payload: ./events/none.json does not exist',
    ],
    [
      'a payload that is not JSON',
      withFunction({ exemplars: [{ name: 'x', payload: './events/broken.json' }] }),
      'functions[0].exemplars[0].payload: ./events/broken.json is not valid JSON',
    ],
    [
      'both payload and event',
      withFunction({ exemplars: [{ name: 'x', payload: './events/small.json', event: {} }] }),
      'functions[0].exemplars[0]: give exactly one of payload (a JSON file) or event (inline)',
    ],
    [
      'neither template nor runtime',
      withFunction({ runtime: undefined }),
      'functions[0]: give either template (an existing function to copy) or runtime and handler',
    ],
    [
      'a baseline version without a template',
      withFunction({ baseline: { version: '12' } }),
      'functions[0].baseline: {version: ...} refers to the template function, so template must be set',
    ],
    [
      'a baseline of the wrong shape',
      withFunction({ baseline: { branch: 'main' } }),
      'functions[0].baseline: must be a directory or .zip path, {s3: s3://bucket/key}, or {image: uri}, {version: "12"} or {alias: name} of the template function (got {"branch":"main"})',
    ],
    [
      'a cap below one batch',
      { ...base(), sampling: { batch: 8, 'max-environment-pairs': 4 } },
      'sampling.max-environment-pairs: 4 is below one batch (sampling.batch 8); use 8 or more',
    ],
    [
      'a cap too small to ever show a regression',
      { ...base(), sampling: { batch: 4, 'max-environment-pairs': 4 } },
      'sampling.max-environment-pairs: 4 environment pairs can never show a regression at 0.99 confidence',
    ],
    [
      'a cap too small to ever show a pass, at a pass-confidence above the confidence',
      { ...base(), sampling: { batch: 8, 'max-environment-pairs': 8, confidence: 0.9, 'pass-confidence': 0.999 } },
      'sampling.max-environment-pairs: 8 environment pairs can never show a pass at sampling.pass-confidence 0.999: the last look needs p ≤ 0.0010, and the smallest p-value of 8 environment pairs is 0.0039; use 16 or more, or a lower sampling.pass-confidence',
    ],
    [
      'a key of the design before environment pairs',
      { ...base(), sampling: { 'warm-max': 180 } },
      'sampling.warm-max: no longer used since the verdict works on environment pairs; replaced by max-environment-pairs',
    ],
    [
      'pairs per environment out of range',
      { ...base(), sampling: { 'pairs-per-environment': 0 } },
      'sampling.pairs-per-environment: must be at least 1 (got 0)',
    ],
    [
      'a confidence written as a bare percentage',
      { ...base(), sampling: { confidence: 99 } },
      'sampling.confidence: must be from 0.8 to 0.9999 (80% to 99.99%): write 0.99 or 99% (got 99)',
    ],
    [
      'a pass-confidence percentage out of range',
      { ...base(), sampling: { 'pass-confidence': '40%' } },
      'sampling.pass-confidence: must be from 0.5 to 0.9999 (50% to 99.99%) (got "40%")',
    ],
    [
      'a confidence that is neither a fraction nor a percentage',
      { ...base(), sampling: { confidence: 'high' } },
      'sampling.confidence: must be a confidence level such as 0.99 or 99% (got "high")',
    ],
    ['a duplicated memory size', withFunction({ memory: [512, 512] }), 'functions[0].memory: 512 is listed twice'],
    [
      'no region anywhere',
      { ...base(), region: undefined },
      'region: not set; set region in the file or AWS_REGION in the environment',
    ],
    ['no exemplars', withFunction({ exemplars: [] }), 'functions[0].exemplars: must have at least 1 item(s)'],
    [
      "a variable of the gate's own, which it would overwrite unseen",
      withFunction({ environment: { LAMBDA_PERF_GATE_ENVIRONMENT: 'staging' } }),
      'functions[0].environment.LAMBDA_PERF_GATE_ENVIRONMENT: reserved for lambda-perf-gate, which sets it on every version it publishes, so this value would never be seen (got "staging"); use another name',
    ],
    [
      "a variant's variable of the gate's own",
      withFunction({ variants: [{ name: 'v', environment: { LAMBDA_PERF_GATE_BUILD: 'x' } }] }),
      'functions[0].variants[0].environment.LAMBDA_PERF_GATE_BUILD: reserved for lambda-perf-gate',
    ],
    [
      'a variable Lambda reserves, with its value and where the region is set instead',
      withFunction({ environment: { AWS_REGION: 'eu-west-1' } }),
      'functions[0].environment.AWS_REGION: Lambda sets AWS_REGION itself and refuses a function that sets it (got "eu-west-1"); the region to measure in is the region key',
    ],
    [
      "a reserved variable in a variant's environment",
      withFunction({ variants: [{ name: 'traced', environment: { AWS_LAMBDA_FUNCTION_NAME: 'x' } }] }),
      'functions[0].variants[0].environment.AWS_LAMBDA_FUNCTION_NAME: Lambda sets AWS_LAMBDA_FUNCTION_NAME itself and refuses a function that sets it (got "x")',
    ],
    [
      "variables over Lambda's 4 KB, counting the gate's own",
      withFunction({ environment: { BIG: 'x'.repeat(4000) } }),
      "functions[0].environment: 4109 bytes of names and values, with the gate's own 106; Lambda accepts at most 4096",
    ],
    [
      "a variant's variables that take the function's over 4 KB",
      withFunction({
        environment: { HALF: 'x'.repeat(2000) },
        variants: [{ name: 'default' }, { name: 'big', environment: { MORE: 'y'.repeat(2000) } }],
      }),
      "functions[0].variants[1].environment: with functions[0].environment, 4118 bytes of names and values, with the gate's own 110; Lambda accepts at most 4096",
    ],
    [
      'an endpoint without its scheme, which parses as a URL of scheme "localhost:"',
      { ...base(), endpoint: 'localhost:9001' },
      'endpoint: needs http:// or https:// in front, such as http://localhost:9001 (got "localhost:9001")',
    ],
    [
      'an endpoint of another scheme',
      { ...base(), endpoint: 'ftp://127.0.0.1:9001' },
      'endpoint: must start with http:// or https:// (it starts with ftp:) (got "ftp://127.0.0.1:9001")',
    ],
  ])('%s is refused with file, key and value', (_label, document, expected) => {
    const problems = problemsOf(document);
    expect(problems.some((p) => p.startsWith(expected))).toBe(true);
  });

  test('a misspelt runtime is refused with the likely one named', () => {
    const [problem] = problemsOf(withFunction({ runtime: 'pyhton3.12' }));
    expect(problem).toContain('"python3.12", "python3.13"');
    expect(problem).toMatch(/\(got "pyhton3\.12"\); did you mean "python3\.12"\?$/);
  });

  test('a memory size listed twice is that one problem, not also a second variant that the sampling cap cannot serve', () => {
    expect(
      problemsOf({
        ...(withFunction({ memory: [512, 512] }) as object),
        sampling: { batch: 8, 'max-environment-pairs': 8 },
      }),
    ).toEqual(['functions[0].memory: 512 is listed twice']);
  });

  test('a retired runtime says so, with the runtimes of its family that Lambda offers', () => {
    expect(problemsOf(withFunction({ runtime: 'nodejs16.x' }))).toEqual([
      expect.stringMatching(
        /^functions\[0\]\.runtime: "nodejs16\.x" is retired: Lambda no longer creates functions with it; Lambda's Node\.js runtimes: "nodejs18\.x", .*"nodejs22\.x"/,
      ),
    ]);
  });

  test('a value of the wrong type gets one message, the type, not also the checks of the right type', () => {
    expect(problemsOf(withFunction({ architectures: 'arm64' }))).toEqual([
      'functions[0].architectures: must be a list (got "arm64")',
    ]);
  });

  test('an environment written as a list is told it must be a mapping of names to values, not "of type record"', () => {
    expect(problemsOf(withFunction({ environment: ['A=1', 'B=2'] }))).toEqual([
      'functions[0].environment: must be a mapping of names to values (NAME: value, one per line) (got ["A=1","B=2"])',
    ]);
  });

  test("a number far too large gets one message, for the key's own bound", () => {
    expect(problemsOf({ ...base(), sampling: { batch: 1e30 } })).toEqual([
      'sampling.batch: must be at most 100 (got 1e+30)',
    ]);
    expect(problemsOf({ ...base(), sampling: { seed: 1e30 } })).toEqual(['sampling.seed: is too large (got 1e+30)']);
  });

  test('tolerances are percentages: "12.5%" is 0.125', () => {
    const config = validateConfig(
      withFunction({ budgets: { 'max-regression': '12.5%' } }),
      join(dir, 'lambda-perf.yml'),
      { env: {} },
    );
    expect(config.functions[0]!.tolerance).toBeCloseTo(0.125);
  });

  test('expect-error is carried to the exemplar', () => {
    const config = validateConfig(
      withFunction({ exemplars: [{ name: 'bad', event: { id: -1 }, 'expect-error': 'ValidationError' }] }),
      join(dir, 'lambda-perf.yml'),
      { env: {} },
    );
    expect(config.functions[0]!.exemplars[0]).toMatchObject({ name: 'bad', expectError: 'ValidationError' });
    expect(config.functions[0]!.exemplars[0]).not.toHaveProperty('expect');
  });

  describe('build-output: a function of a build that holds several', () => {
    beforeAll(() => {
      for (const side of ['head', 'base']) mkdirSync(join(dir, 'multi', side, 'api'), { recursive: true });
    });
    const load = (change: Record<string, unknown>) =>
      validateConfig(withFunction(change), join(dir, 'lambda-perf.yml'), { env: {} }).functions[0]!;

    test("is the function's directory inside its candidate and baseline directories", () => {
      const fn = load({ candidate: './multi/head', baseline: './multi/base', 'build-output': 'api' });
      expect(fn.candidate).toEqual({ kind: 'directory', path: join(dir, 'multi', 'head', 'api') });
      expect(fn.baseline).toEqual({ kind: 'directory', path: join(dir, 'multi', 'base', 'api') });
      expect(fn.buildOutput).toBe('api');
    });

    test("is inside the action's build output, which the configuration is read before", () => {
      const builds = { candidate: join(dir, 'checkout'), baseline: join(dir, 'worktree') };
      const document = withFunction({ 'build-output': 'api' }) as { functions: Record<string, unknown>[] };
      delete document.functions[0]!.candidate;
      delete document.functions[0]!.baseline;
      const fn = validateConfig(document, join(dir, 'lambda-perf.yml'), { env: {}, builds }).functions[0]!;
      expect(fn.candidate).toEqual({ kind: 'directory', path: join(dir, 'checkout', 'api') });
      expect(fn.baseline).toEqual({ kind: 'directory', path: join(dir, 'worktree', 'api') });
    });

    test.each([
      [
        'a directory the build does not hold',
        { candidate: './multi/head', baseline: './multi/base', 'build-output': 'web' },
        'functions[0].candidate with functions[0].build-output: multi/head/web does not exist',
      ],
      [
        'a path out of the build',
        { 'build-output': '../elsewhere' },
        'functions[0].build-output: must be a path inside the build output, relative to it, such as validator (got "../elsewhere")',
      ],
    ])('%s is refused', (_label, change, expected) => {
      expect(problemsOf(withFunction(change)).some((p) => p.startsWith(expected))).toBe(true);
    });
  });

  test('an empty file says it is empty', () => {
    for (const [name, text] of [
      ['empty.yml', ''],
      ['comments.yml', '# nothing yet\n'],
      ['null.json', 'null'],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, text);
      expect(() => loadConfig(file, { env: {} })).toThrow(
        new RegExp(`${name.replace('.', '\\.')} is not valid:\n {2}- the file is empty`),
      );
    }
  });

  test('a file whose top level is a list or a scalar says it must be a mapping with functions:, not "0: unknown key"', () => {
    for (const [name, text, expected] of [
      [
        'list.yml',
        '- name: orders\n  runtime: nodejs20.x\n',
        'the top level is a list: the file must be a mapping with a functions: key (write functions: and indent the list under it)',
      ],
      [
        'list.json',
        '[{"name": "orders"}]',
        'the top level is a list: the file must be a mapping with a functions: key',
      ],
      [
        'text.yml',
        'orders\n',
        'the top level is a string ("orders"): the file must be a mapping with a functions: key',
      ],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, text);
      try {
        loadConfig(file, { env: {} });
        throw new Error('expected a ConfigError');
      } catch (error) {
        expect((error as Error).message).toContain(`${file} is not valid:`);
        expect((error as ConfigError).problems).toEqual([expect.stringContaining(expected)]);
      }
    }
  });

  test('a directory given as the configuration is named as one, with the file inside it', () => {
    const folder = join(dir, 'project');
    mkdirSync(folder, { recursive: true });
    expect(() => loadConfig(folder, { env: {} })).toThrow(
      /project is not valid:\n {2}- is a directory, not a configuration file$/,
    );
    writeFileSync(join(folder, 'lambda-perf.yml'), stringify(base()));
    expect(() => loadConfig(folder, { env: {} })).toThrow(
      `is a directory, not a configuration file; did you mean --config ${join(folder, 'lambda-perf.yml')}?`,
    );
  });

  test('on the local service the region may be left out; elsewhere it is required', () => {
    const document = { ...base(), region: undefined };
    expect(validateConfig(document, join(dir, 'lambda-perf.yml'), { env: {}, local: true }).region).toBe('us-east-1');
    expect(problemsOf(document)).toContain('region: not set; set region in the file or AWS_REGION in the environment');
  });

  test('every problem is reported at once, and the message names the file', () => {
    const document = withFunction({ memory: [1], timeout: 0 });
    try {
      validateConfig(document, 'custom/perf.yml', { env: {} });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems.length).toBeGreaterThanOrEqual(2);
      expect((error as Error).message).toMatch(/^custom\/perf\.yml is not valid:/);
    }
  });

  describe('limits before parsing', () => {
    test('a file over 1 MiB is refused unread, naming the file and the limit', () => {
      const file = join(dir, 'huge.yml');
      writeFileSync(file, `${stringify(base())}# ${'x'.repeat(1024 * 1024)}\n`);
      expect(() => loadConfig(file, { env: {} })).toThrow(
        /huge\.yml is not valid:\n {2}- is over 1048576 bytes \(1 MiB\); a configuration is far smaller/,
      );
    });

    test('a device is refused unread (/dev/zero never ends)', () => {
      expect(() => loadConfig('/dev/zero', { env: {} })).toThrow(
        /\/dev\/zero is not valid:\n {2}- is not a regular file/,
      );
    });

    test.each([
      ['YAML', 'many.yml', (keys: Record<string, number>) => stringify({ ...base(), ...keys })],
      ['JSON', 'many.json', (keys: Record<string, number>) => JSON.stringify({ ...base(), ...keys })],
    ])('%s with 20,000 keys (under 1 MiB) is refused by its key count, with one message', (_format, name, write) => {
      const file = join(dir, name);
      writeFileSync(file, write(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))));
      let error: unknown;
      try {
        loadConfig(file, { env: {} });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        'has more than 10000 keys; a configuration of this action needs far fewer (is it the right file?)',
      ]);
      expect((error as ConfigError).message).toContain(name);
    });

    test('YAML filling 1 MiB with flat keys (about 105,000) is refused by its key count in seconds, not minutes', () => {
      // The YAML library's own unique-key check compares every key with every other: 74 s here.
      const file = join(dir, 'flat.yml');
      writeFileSync(file, Array.from({ length: 105_000 }, (_, i) => `k${i}: 1`).join('\n'));
      expect(statSync(file).size).toBeLessThanOrEqual(1024 * 1024);
      const started = performance.now();
      expect(() => loadConfig(file, { env: {} })).toThrow(/has more than 10000 keys/);
      expect(performance.now() - started).toBeLessThan(10_000);
    }, 120_000);

    test.each([
      ['at the top', 'region: us-east-1\nregion: eu-west-1\n', /line 2, column 1: the key "region" is written twice/],
      ['in a function', 'functions:\n  - name: a\n    name: b\n', /line 3, column 5: the key "name" is written twice/],
    ])('YAML with a key written twice %s is refused, naming it and where', (_where, text, message) => {
      const file = join(dir, 'twice.yml');
      writeFileSync(file, text);
      expect(() => loadConfig(file, { env: {} })).toThrow(message);
    });

    test.each([
      [
        'at the top',
        '{"region": "us-east-1",\n "region": "eu-west-1"}',
        /line 2, column 2: the key "region" is written twice/,
      ],
      [
        'in a function, escaped alike',
        '{"functions": [{"name": "a", "memory": [1024],\n  "memo\\u0072y": [512]}]}',
        /line 2, column 3: the key "memo\\u0072y" is written twice/,
      ],
    ])(
      'JSON with a key written twice %s is refused as YAML is, not read as its last value',
      (_where, text, message) => {
        const file = join(dir, 'twice.json');
        writeFileSync(file, text);
        expect(() => loadConfig(file, { env: {} })).toThrow(message);
      },
    );

    test('JSON keys alike in different objects, and a value that reads like a key, are not written twice', () => {
      const file = join(dir, 'not-twice.json');
      writeFileSync(
        file,
        '{"region": "us-east-1", "functions": [{"name": "a"}, {"name": "b:"}], "x": {"name": "\\"name\\""}}',
      );
      // Parsed, then refused for what the document says (an unknown key), not for a key written twice.
      expect(() => loadConfig(file, { env: {} })).toThrow(/x: unknown key/);
      expect(() => loadConfig(file, { env: {} })).not.toThrow(/written twice/);
    });

    test.each([
      [
        'an anchor and its alias',
        'region: us-east-1\nfunctions:\n  - &orders\n    name: orders\n  - *orders\n',
        /line 3, column 5: YAML aliases and anchors \(&orders\) are not allowed/,
      ],
      [
        'a billion laughs',
        `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${Array.from(
          { length: 8 },
          (_, i) =>
            `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
              .fill(`*${String.fromCharCode(97 + i)}`)
              .join(',')}]`,
        ).join('\n')}\n`,
        /line 1, column 4: YAML aliases and anchors \(&a\) are not allowed/,
      ],
    ])('YAML with %s is refused as such, not as "not valid JSON"', (_what, text, message) => {
      const file = join(dir, 'aliases.yml');
      writeFileSync(file, text);
      let error: unknown;
      try {
        loadConfig(file, { env: {} });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain('aliases.yml is not valid');
      expect((error as ConfigError).problems).toHaveLength(1);
      expect((error as ConfigError).problems[0]).toMatch(message);
      expect((error as ConfigError).message).not.toMatch(/JSON/);
    });
  });

  test('a YAML syntax error names the file, the line and the column, and quotes the line', () => {
    const file = join(dir, 'dangling.yml');
    writeFileSync(file, 'region: us-east-1\nfunctions:\n  - name: orders\n    handler: index.handler:\n');
    expect(() => loadConfig(file)).toThrow(
      `${file} is not valid:\n` +
        '  - line 4, column 14: cannot be parsed: Nested mappings are not allowed in compact mappings\n' +
        '    4 |     handler: index.handler:\n' +
        '      |              ^',
    );
  });

  test('a bracket left open is shown at the last line with text, not at the blank end of the file', () => {
    const file = join(dir, 'broken.yml');
    writeFileSync(file, 'region: us-east-1\nfunctions:\n  - name: [unclosed\n\n');
    expect(() => loadConfig(file)).toThrow(
      /broken\.yml is not valid:\n {2}- line 5, column 1: cannot be parsed: .*\n {4}3 \| {3}- name: \[unclosed$/,
    );
  });

  test('a payload path outside the config directory may be read, but an error never prints what the file holds', () => {
    // Stands in for ../../etc/shadow: a file outside the config's directory whose content must stay unseen.
    const outside = mkdtempSync(join(tmpdir(), 'lpg-outside-'));
    try {
      writeFileSync(join(outside, 'shadow'), 'root:$y$j9T$SECRETHASHVALUE:19700:0:99999:7:::\n');
      writeFileSync(join(outside, 'half.json'), '{"password": "hunter2-SECRETHASHVALUE", ');
      writeFileSync(join(outside, 'good.json'), '{"id": 2}');
      const relative = (name: string): string => join('..', '..', '..', '..', '..', '..', '..', '..', outside, name);
      const problems = problemsOf(
        withFunction({
          exemplars: [
            { name: 'shadow', payload: relative('shadow') },
            { name: 'half', payload: relative('half.json') },
            { name: 'directory', payload: relative('') },
            { name: 'device', payload: '/dev/zero' },
          ],
        }),
      );
      expect(problems).toEqual([
        expect.stringMatching(/^functions\[0\]\.exemplars\[0\]\.payload: \S+shadow is not valid JSON$/),
        expect.stringMatching(/^functions\[0\]\.exemplars\[1\]\.payload: \S+half\.json is not valid JSON/),
        expect.stringMatching(/^functions\[0\]\.exemplars\[2\]\.payload: \S+ is not a file/),
        expect.stringMatching(/^functions\[0\]\.exemplars\[3\]\.payload: \/dev\/zero is not a file/),
      ]);
      const text = problems.join('\n');
      for (const secret of ['root:', 'SECRETHASHVALUE', 'hunter2', 'password']) expect(text).not.toContain(secret);
      // Outside the config's directory is allowed: the documented workflow reads ../baseline.
      const file = join(dir, 'outside.yml');
      writeFileSync(file, stringify(withFunction({ exemplars: [{ name: 'good', payload: relative('good.json') }] })));
      expect(loadConfig(file, { env: {} }).functions[0]!.exemplars[0]!.payload.toString()).toBe('{"id": 2}');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('a JSON config with a syntax error names the place, not the bytes', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"region": "us-east-1", "functions": [ SECRETHASHVALUE ]}');
    expect(() => loadConfig(file)).toThrow(/broken\.json is not valid:\n {2}- cannot be parsed: not valid JSON/);
    expect(() => loadConfig(file)).not.toThrow(/SECRETHASHVALUE/);
  });

  test.each([
    [
      'a trailing comma',
      '{"region": "us-east-1",\n "functions": [],}',
      /line 2, column 18: cannot be parsed: .*\(JSON allows no comma before a closing bracket\)\n {4}2 \| {2}"functions": \[\],}\n {6}\| {18}\^/,
    ],
    [
      'a comment',
      '{"region": "us-east-1",\n  // the api\n "functions": []}',
      /line 2, column 3: cannot be parsed: .* \(JSON has no comments; a YAML file, lambda-perf\.yml, may have them\)\n {4}2 \| {3}\/\/ the api/,
    ],
  ])('a JSON config with %s says where, quotes the line and names the cause', (_label, text, message) => {
    const file = join(dir, 'cause.json');
    writeFileSync(file, text);
    expect(() => loadConfig(file)).toThrow(message);
  });

  test('a JSON trailing comma that V8 names without a place is found after its comma, not at an earlier bracket', () => {
    const file = join(dir, 'bracket.json');
    writeFileSync(file, '{"functions": [{"name": "f", "memory": [512],\n "architectures": ["x86_64",]}]}');
    expect(() => loadConfig(file)).toThrow(
      /line 2, column 29: cannot be parsed: .*\(JSON allows no comma before a closing bracket\)\n {4}2 \| {2}"architectures": \["x86_64",\]\}\]\}/,
    );
  });

  test('a JSON config that starts with a byte-order mark is read, as YAML is', () => {
    const file = join(dir, 'bom.json');
    writeFileSync(file, `\uFEFF${JSON.stringify({ region: 'us-east-1', functions: [] })}`);
    expect(() => loadConfig(file)).toThrow(/functions: must have at least 1 item/);
    expect(() => loadConfig(file)).not.toThrow(/cannot be parsed/);
  });

  test('regions of the GovCloud and isolated partitions are regions', () => {
    for (const region of ['us-gov-west-1', 'us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1'])
      expect(problemsOf({ ...(base() as object), region })).not.toContainEqual(
        expect.stringMatching(/^region: must be an AWS region/),
      );
    expect(problemsOf({ ...(base() as object), region: 'Virginia' })).toContainEqual(
      expect.stringMatching(/^region: must be an AWS region/),
    );
  });

  test('the committed JSON Schema is the one the schema generates (run npm run schema)', () => {
    const committed = JSON.parse(readFileSync('lambda-perf.schema.json', 'utf8')) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });
});
