import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from '../../src/config/config-error.js';
import { inlineDocument, INPUT, readInputs, type ActionInputs } from '../../src/action/inputs.js';

interface ActionYaml {
  inputs: Record<string, { default?: string; required?: boolean }>;
}
const declared = (parse(readFileSync('action.yml', 'utf8')) as ActionYaml).inputs;

/** readInputs over a map of input values, recording every name it asked for. */
function read(values: Record<string, string>): { inputs: ActionInputs; asked: Set<string> } {
  const asked = new Set<string>();
  const inputs = readInputs((name) => {
    asked.add(name);
    return values[name] ?? '';
  });
  return { inputs, asked };
}

function problemsOf(values: Record<string, string>): string[] {
  try {
    read(values);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('the inputs were accepted');
}

describe('the action inputs', () => {
  test('every input action.yml declares is read, and every input read is declared', () => {
    const { asked } = read({});
    expect([...asked].sort()).toEqual(Object.keys(declared).sort());
    expect(Object.values(INPUT).sort()).toEqual(Object.keys(declared).sort());
  });

  test("the README's workflows give the action only inputs it declares", () => {
    const blocks = [...readFileSync('README.md', 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const given: string[] = [];
    for (const block of blocks) {
      // Excerpts (an indented step) are not checked; a whole workflow must be valid YAML.
      if (!/^jobs:/m.test(block)) continue;
      const document = parse(block) as unknown;
      const jobs =
        (document as { jobs?: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }> } | null)
          ?.jobs ?? {};
      for (const job of Object.values(jobs)) {
        for (const step of job.steps ?? [])
          if (step.uses?.startsWith('lambda-perf-gate/lambda-perf-gate@')) given.push(...Object.keys(step.with ?? {}));
      }
    }
    expect(given).toEqual(expect.arrayContaining(['build', 'build-output', 'apply-memory', 'mode']));
    expect(given.filter((name) => !(name in declared))).toEqual([]);
  });

  test("action.yml's defaults mean what an unset input means", () => {
    const defaults = Object.fromEntries(
      Object.entries(declared).flatMap(([name, input]) =>
        input.default === undefined || input.default.includes('${{') ? [] : [[name, input.default]],
      ),
    );
    expect(Object.keys(defaults).length).toBeGreaterThan(5);
    expect(read(defaults).inputs).toEqual(read({}).inputs);
  });

  test('build and build-output come together, and the output stays inside the repository', () => {
    expect(read({ build: 'npm ci && npm run build', 'build-output': './dist/' }).inputs.build).toEqual({
      command: 'npm ci && npm run build',
      output: 'dist/',
    });
    expect(problemsOf({ build: 'make' })).toEqual([
      'input build-output: is required with build (the directory or .zip the command produces, relative to the repository root)',
    ]);
    expect(problemsOf({ 'build-output': 'dist' })).toEqual([
      'input build-output: is set, but build is not; give the command that produces dist',
    ]);
    expect(problemsOf({ build: 'make', 'build-output': '../elsewhere' })).toEqual([
      'input build-output: must be a path inside the repository, relative to its root (got "../elsewhere")',
    ]);
    expect(problemsOf({ build: 'make', 'build-output': '/tmp/dist' })).toEqual([
      'input build-output: must be a path inside the repository, relative to its root (got "/tmp/dist")',
    ]);
  });

  test('profile takes on-regression, always or never, and names them when it gets anything else', () => {
    expect(read({ profile: 'always' }).inputs.profile).toBe('always');
    expect(read({}).inputs.profile).toBeUndefined();
    expect(problemsOf({ profile: 'sometimes' })).toEqual([
      'input profile: must be one of on-regression, always, never (got "sometimes")',
    ]);
  });

  test('an endpoint without its scheme is refused, saying what to write', () => {
    expect(problemsOf({ endpoint: 'localhost:9001' })).toEqual([
      'input endpoint: needs http:// or https:// in front, such as http://localhost:9001 (got "localhost:9001")',
    ]);
    expect(read({ endpoint: 'http://localhost:9001' }).inputs.endpoint).toBe('http://localhost:9001');
  });

  test('the accepted-regression label defaults to perf-regression-accepted and can be renamed', () => {
    expect(read({}).inputs.acceptedRegressionLabel).toBe('perf-regression-accepted');
    expect(read({ 'accepted-regression-label': 'slower-on-purpose' }).inputs.acceptedRegressionLabel).toBe(
      'slower-on-purpose',
    );
  });

  describe('inline mode', () => {
    test("its comment is named after the function, and never shares a file configuration's key", () => {
      const file = read({ config: 'lambda-perf.yml' }).inputs;
      const inline = read({
        config: 'lambda-perf.yml',
        function: 'orders',
        candidate: 'dist',
        baseline: 'base/dist',
      }).inputs;
      expect(file.commentKey).toBe('lambda-perf.yml');
      expect(inline.commentKey).toBe('function:orders');
      // Named after the template when no function name is given.
      expect(read({ template: 'orders-prod', candidate: 'dist', baseline: 'version: 3' }).inputs.commentKey).toBe(
        'function:orders-prod',
      );
      expect(
        read({ function: 'orders', candidate: 'dist', baseline: 'b', 'comment-key': 'mine' }).inputs.commentKey,
      ).toBe('mine');
    });

    test('memory: abc is a problem with the memory input, naming the value', () => {
      expect(problemsOf({ function: 'orders', candidate: 'dist', baseline: 'b', memory: 'abc' })).toEqual([
        'input memory: "abc" is not a memory size in MB; write whole numbers such as "256,512,1024"',
      ]);
      expect(problemsOf({ function: 'orders', candidate: 'dist', baseline: 'b', memory: '256, 1.5k,x' })).toEqual([
        'input memory: "1.5k", "x" are not memory sizes in MB; write whole numbers such as "256,512,1024"',
      ]);
      expect(
        read({ function: 'orders', candidate: 'dist', baseline: 'b', memory: '256, 512 1024' }).inputs.inline?.memory,
      ).toEqual([256, 512, 1024]);
    });

    test('with build, the function inputs select it and neither build path is needed', () => {
      const { inputs } = read({
        build: 'make',
        'build-output': 'dist',
        function: 'orders',
        runtime: 'nodejs20.x',
        handler: 'index.handler',
      });
      expect(inputs.inline).toEqual({ name: 'orders', runtime: 'nodejs20.x', handler: 'index.handler' });
      expect(inlineDocument(inputs.inline!)).toEqual({
        functions: [
          {
            name: 'orders',
            runtime: 'nodejs20.x',
            handler: 'index.handler',
            exemplars: [{ name: 'empty-event', event: {} }],
          },
        ],
      });
      // Without build, a candidate still needs its baseline.
      expect(problemsOf({ function: 'orders', candidate: 'dist' })).toEqual([
        'input baseline: is required with candidate (a path, or a version or alias of the template such as "version: 12"), unless build builds it',
      ]);
      // The function inputs alone, without build or candidate, leave the config file in charge, and say so.
      expect(problemsOf({ function: 'orders' })).toEqual([
        'input function: is read only in place of a config file (with candidate, or with build and one of function, template, runtime, handler), but this run reads the config file lambda-perf.yml (the config input); set it in that file, or give candidate and baseline to measure without a file',
      ]);
    });

    test('memory: 512 beside a config file is refused, naming the input and the file, not silently ignored', () => {
      expect(problemsOf({ config: 'perf/lambda-perf.yml', memory: '512' })).toEqual([
        'input memory: is read only in place of a config file (with candidate, or with build and one of function, template, runtime, handler), but this run reads the config file perf/lambda-perf.yml (the config input); set it in that file, or give candidate and baseline to measure without a file',
      ]);
      // With build but no function named, the file is still read.
      expect(
        problemsOf({ build: 'make', 'build-output': 'dist', memory: '512', budgets: '{warm-p90-ms: 100}' }),
      ).toEqual([
        'inputs memory, budgets: are read only in place of a config file (with candidate, or with build and one of function, template, runtime, handler), but this run reads the config file lambda-perf.yml (the config input); set them in that file, or give candidate and baseline to measure without a file',
      ]);
      // The comment half reads neither.
      expect(read({ mode: 'comment', memory: '512' }).inputs.mode).toBe('comment');
    });
  });
});
