import { CreateFunctionCommand, ListFunctionsCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { ConfigError } from '../../src/config/config-error.js';
import { validateConfig } from '../../src/config/load.js';
import { runGate } from '../../src/gate/run-gate.js';
import { DUET_FILE, DUET_HANDLER, duetPackage, duetPayload } from '../../src/lambda/duet-package.js';
import { Sampler, type ArmTarget } from '../../src/measure/sampler.js';
import type { ExemplarSpec } from '../../src/config/types.js';
import type { Invocation } from '../../src/lambda/invoke.js';
import { UsageError } from '../../src/errors.js';
import { readEntryModes } from '../../src/zip-archive.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { FAST_RETRY, useGateFixture } from '../helpers/gate-fixture.js';
import { hashingHandler } from '../helpers/hashing.js';
import { invoke, uniqueName, zipOf } from '../helpers/local-service.js';
import { namedPairSource } from '../helpers/pair-source.js';
import { seededRandom } from '../../src/random.js';
import { createLambdaClient } from '../../src/lambda/client.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const gate = useGateFixture({ throttleRate: 0, errorRate: 0 });

/** Both builds keep module state of their own, whatever their module format. */
const BASELINE = {
  'index.js': `const { value } = require('./utils');
let calls = 0;
exports.handler = async (event) => ({ value, calls: ++calls, keys: Object.keys(event), build: process.env.LAMBDA_PERF_GATE_BUILD, root: process.env.LAMBDA_TASK_ROOT, cwd: process.cwd() });`,
  'utils.js': `exports.value = 'baseline utils';`,
  'tool.sh': ['#!/bin/sh\necho hi\n', 0o755] as [string, number],
};
const CANDIDATE_ESM = {
  'package.json': '{"type": "module"}',
  'index.js': `import { value } from './utils.js';
let calls = 0;
export const handler = async (event) => ({ value, calls: ++calls, keys: Object.keys(event), build: process.env.LAMBDA_PERF_GATE_BUILD, root: process.env.LAMBDA_TASK_ROOT, cwd: process.cwd() });`,
  'utils.js': `export const value = 'candidate utils';`,
};

async function deployDuet(baseline: Record<string, string | [string, number]>, candidate: typeof baseline) {
  const zip = duetPackage({ baseline: zipOf(baseline), candidate: zipOf(candidate) }, 'index.handler', 'test');
  const client = createLambdaClient({
    region: 'us-east-1',
    endpoint: gate.service.endpoint,
    localKey: gate.localKey,
    maxAttempts: 3,
  });
  const name = uniqueName('duet');
  await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: DUET_HANDLER,
      Role: 'arn:aws:iam::000000000000:role/test',
      MemorySize: 512,
      Timeout: 10,
      Code: { ZipFile: zip },
    }),
  );
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 10, minDelay: 1 }, { FunctionName: name });
  const call = async (build: 'baseline' | 'candidate' | undefined, event: unknown = { n: 1 }) => {
    const payload = build ? JSON.parse(duetPayload(build, Buffer.from(JSON.stringify(event))).toString()) : event;
    return invoke(client, name, payload);
  };
  return { call, close: () => client.destroy() };
}

describe('the duet package', () => {
  test('holds each build under its own directory with its modes, and the dispatcher at the root', () => {
    const zip = duetPackage({ baseline: zipOf(BASELINE), candidate: zipOf(CANDIDATE_ESM) }, 'index.handler', 'test');
    const modes = new Map(readEntryModes(zip).map((e) => [e.name, e.mode]));
    expect([...modes.keys()].sort()).toEqual(
      [
        DUET_FILE,
        'baseline/index.js',
        'baseline/tool.sh',
        'baseline/utils.js',
        'candidate/index.js',
        'candidate/package.json',
        'candidate/utils.js',
      ].sort(),
    );
    expect(modes.get('baseline/tool.sh')! & 0o777).toBe(0o755);
    expect(modes.get('baseline/index.js')! & 0o777).toBe(0o644);
  });

  test('refuses an entry outside a build, and a package that is no zip, naming the build', () => {
    const escaping = zipOf({ 'index.js': 'x', '../../etc/evil.js': 'x' });
    expect(() =>
      duetPackage({ baseline: zipOf(BASELINE), candidate: escaping }, 'index.handler', 'functions[0]'),
    ).toThrow(/functions\[0\]: the candidate's package has an entry outside its root \("\.\.\/\.\.\/etc\/evil\.js"\)/);
    expect(() =>
      duetPackage({ baseline: Buffer.from('not a zip'), candidate: zipOf(BASELINE) }, 'index.handler', 'functions[0]'),
    ).toThrow(UsageError);
  });

  test('refuses a handler that leaves its build, and a link that leaves it, naming the entry', () => {
    expect(() =>
      duetPackage({ baseline: zipOf(BASELINE), candidate: zipOf(BASELINE) }, '../candidate/index.handler', 'f'),
    ).toThrow(/f: the handler "\.\.\/candidate\/index\.handler" leaves its build's directory/);
    const linked = zipOf({ 'index.js': 'x', 'lib.js': ['/var/task/baseline/index.js', 0o120777] });
    expect(() => duetPackage({ baseline: zipOf(BASELINE), candidate: linked }, 'index.handler', 'f')).toThrow(
      /the candidate's package has a link that leaves it \("lib\.js" -> "\/var\/task\/baseline\/index\.js"\)/,
    );
    const inside = zipOf({ 'index.js': 'x', 'lib.js': ['index.js', 0o120777] });
    expect(() => duetPackage({ baseline: zipOf(BASELINE), candidate: inside }, 'index.handler', 'f')).not.toThrow();
  });

  test('the payload names the build and carries the event unchanged', () => {
    expect(JSON.parse(duetPayload('candidate', Buffer.from('{"a":[1,2]}')).toString())).toEqual({
      'lambda-perf-gate-duet': 'candidate',
      event: { a: [1, 2] },
    });
  });
});

describe('the duet dispatcher on the local service', () => {
  test('runs each build as its own module instance (CommonJS beside ESM, both with a utils), in its own directory, never showing it the field', async () => {
    const duet = await deployDuet(BASELINE, CANDIDATE_ESM);
    try {
      const answers = [];
      for (const build of ['baseline', 'candidate', 'baseline', 'candidate', 'candidate'] as const) {
        const { json, output } = await duet.call(build);
        expect(output.FunctionError).toBeUndefined();
        answers.push(json as Record<string, unknown>);
      }
      expect(answers.map((a) => [a.value, a.calls, a.build])).toEqual([
        ['baseline utils', 1, 'baseline'],
        ['candidate utils', 1, 'candidate'],
        ['baseline utils', 2, 'baseline'],
        ['candidate utils', 2, 'candidate'],
        ['candidate utils', 3, 'candidate'],
      ]);
      for (const answer of answers) {
        expect(answer.keys).toEqual(['n']);
        expect(answer.root).toMatch(new RegExp(`/${String(answer.build)}$`));
        expect(answer.cwd).toBe(answer.root);
      }
    } finally {
      duet.close();
    }
  });

  test("a build that cannot load fails only its own calls, with the runtime's error type; an invocation without the field is refused", async () => {
    const duet = await deployDuet(BASELINE, { 'index.js': 'exports.other = async () => 1;' });
    try {
      const baseline = await duet.call('baseline');
      expect(baseline.output.FunctionError).toBeUndefined();
      const candidate = await duet.call('candidate');
      expect(candidate.output.FunctionError).toBe('Unhandled');
      expect((candidate.json as { errorType: string }).errorType).toBe('Runtime.HandlerNotFound');
      const bare = await duet.call(undefined, { n: 1 });
      expect((bare.json as { errorType: string }).errorType).toBe('Runtime.DuetUnsupported');
    } finally {
      duet.close();
    }
  });
  test('loads an ES module with top-level await, and hands a callback to every handler, as the runtime does', async () => {
    const duet = await deployDuet(
      {
        'index.js':
          'exports.handler = function (event, context, done = () => undefined) { done(null, { via: "callback" }); };',
      },
      {
        'package.json': '{"type": "module"}',
        'index.js': 'const ready = await Promise.resolve("awaited"); export const handler = async () => ({ ready });',
      },
    );
    try {
      expect((await duet.call('baseline')).json).toEqual({ via: 'callback' });
      expect((await duet.call('candidate')).json).toEqual({ ready: 'awaited' });
    } finally {
      duet.close();
    }
  });
});

describe('the sampler in a duet', () => {
  test("each build's first call in an environment is kept out of the samples; warm pairs alternate AB and BA in that one environment", async () => {
    const exemplar = { name: 'e', weight: 1, payload: Buffer.from('{}') } as unknown as ExemplarSpec;
    const environments = new Set<string>();
    const calls: string[] = [];
    const invoke = async (arm: ArmTarget): Promise<Invocation> => {
      const cold = !environments.has(arm.qualifier);
      environments.add(arm.qualifier);
      calls.push(`${arm.qualifier}:${arm.build}`);
      return {
        report: {
          requestId: 'r',
          status: 'success',
          durationMs: arm.build === 'candidate' ? 11 : 10,
          billedDurationMs: 11,
          maxMemoryUsedMb: 60,
          memorySizeMb: 512,
          ...(cold ? { initDurationMs: 300 } : {}),
        },
        payload: Buffer.from('{}'),
      };
    };
    const sampler = new Sampler({
      functionName: 'f',
      concurrency: 2,
      random: seededRandom(5),
      exemplarAt: () => exemplar,
      pairsPerEnvironment: 3,
      design: 'duet',
      invoke,
    });
    const variant = {
      id: '512MB-x86_64',
      memoryMb: 512,
      architecture: 'x86_64',
      name: 'default',
      environment: {},
      snapStart: false,
    } as const;
    const targets = await namedPairSource((_v, build) => `f-${build}`, true).publish([variant], 0, 8);
    await sampler.environmentPairs(targets);
    expect(environments.size).toBe(8);
    // Each build's first call in each environment: the first is the environment's INIT.
    expect(sampler.warmUps).toHaveLength(16);
    expect(sampler.warmUps.filter((s) => s.kind === 'cold')).toHaveLength(8);
    // Which build starts an environment alternates, so neither always meets the other's INIT.
    expect(sampler.warmUps.filter((s) => s.kind === 'cold').map((s) => s.build)).toEqual(
      expect.arrayContaining(['baseline', 'candidate']),
    );
    expect(sampler.samples).toHaveLength(8 * 3 * 2);
    expect(sampler.samples.every((s) => s.kind === 'warm' && s.pair !== undefined)).toBe(true);
    expect(calls).toHaveLength(16 + 8 * 3 * 2);
    // Within an environment the pairs alternate AB and BA: the second call of a pair meets what
    // the first warmed in the shared process, and this cancels within the environment.
    const starts = new Set<string>();
    for (const qualifier of environments) {
      const builds = calls.filter((c) => c.startsWith(`${qualifier}:`)).map((c) => c.split(':')[1]![0]);
      const pairs = builds.slice(2).join('').match(/../g)!;
      expect(pairs).toHaveLength(3);
      expect(pairs[1]).toBe([...pairs[0]!].reverse().join(''));
      expect(pairs[2]).toBe(pairs[0]);
      starts.add(pairs[0]!);
    }
    // The start is drawn per environment: either build leads the extra pair somewhere.
    expect(starts).toEqual(new Set(['bc', 'cb']));
  });
});

describe('sampling.design in the configuration', () => {
  /** The configuration of one function with `fn` over its settings, validated. */
  const validated = (fn: Record<string, unknown>, sampling: Record<string, unknown>) =>
    validateConfig(
      {
        region: 'us-east-1',
        functions: [
          {
            name: 'f',
            runtime: 'nodejs20.x',
            handler: 'index.handler',
            baseline: gate.scratch + '/baseline',
            candidate: gate.scratch + '/candidate',
            exemplars: [{ name: 'e', event: {} }],
            ...fn,
          },
        ],
        sampling,
      },
      join(gate.scratch, 'lambda-perf.yml'),
    );
  /** What the configuration refuses: its problems, or none. */
  const config = (fn: Record<string, unknown>, sampling: Record<string, unknown> = { design: 'duet' }) => {
    try {
      validated(fn, sampling);
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return [...(error as ConfigError).problems];
    }
  };

  test("the duet's batch is 4 unless the file sets one; separate keeps 8", () => {
    const batch = (sampling: Record<string, unknown>) => validated({}, sampling).sampling.batch;
    expect(batch({ design: 'duet' })).toBe(4);
    expect(batch({ design: 'duet', batch: 6 })).toBe(6);
    expect(batch({})).toBe(8);
    expect(batch({ design: 'separate' })).toBe(8);
  });

  test("the duet's cap is 40 environments unless the file sets one; separate's is 56", () => {
    const cap = (sampling: Record<string, unknown>) => validated({}, sampling).sampling.maxEnvironmentPairs;
    expect(cap({ design: 'duet' })).toBe(40);
    expect(cap({ design: 'duet', 'max-environment-pairs': 24 })).toBe(24);
    expect(cap({})).toBe(56);
    expect(cap({ design: 'separate', 'max-environment-pairs': 40 })).toBe(40);
  });

  test('an unknown design is refused, naming the valid ones', () => {
    expect(config({}, { design: 'dual' }).join('\n')).toMatch(
      /sampling\.design.*"separate".*"duet"|sampling\.design.*separate.*duet/,
    );
  });

  test('a duet that cannot be fair is refused before any call, naming the key', () => {
    expect(config({})).toEqual([]);
    expect(config({ runtime: 'python3.12', handler: 'app.handler' })).toEqual([
      expect.stringMatching(
        /^functions\[0\]\.runtime: python3\.12 cannot run a duet: a Python process has one module table/,
      ),
    ]);
    expect(config({ candidate: { image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:pr' } })).toEqual([
      expect.stringMatching(
        /^functions\[0\]\.candidate: a container image .* cannot share a package with sampling\.design: duet/,
      ),
    ]);
    expect(config({ budgets: { 'cold-p50-ms': 400, 'max-memory-used-pct': 80 } })).toEqual([
      expect.stringMatching(
        /^functions\[0\]\.budgets\.cold-p50-ms: cold starts are not measured with sampling\.design: duet/,
      ),
      expect.stringMatching(/^functions\[0\]\.budgets\.max-memory-used-pct: Max Memory Used is both builds together/),
    ]);
    expect(config({ 'managed-instances': { 'instance-type': 'c7g.xlarge', instances: 1 } })).toEqual([
      expect.stringMatching(/^functions\[0\]\.managed-instances: an instance runs several invocations at once/),
    ]);
    // An event that Lambda takes alone but not inside the duet's wrapper.
    const big = { s: 'x'.repeat(6 * 1024 * 1024 - 20) };
    expect(config({ exemplars: [{ name: 'big', event: big }] })).toEqual([
      expect.stringMatching(
        /^functions\[0\]\.exemplars\[0\]: the event is 6291444 bytes, and 6291490 with the duet's wrapper/,
      ),
    ]);
    expect(config({ exemplars: [{ name: 'big', event: big }] }, {})).toEqual([]);
    expect(config({ variants: [{ name: 'snap', 'snap-start': true }] })).toEqual([
      expect.stringMatching(/^functions\[0\]\.variants\[0\]\.snap-start: a SnapStart restore would be both builds'/),
    ]);
  });
});

describe('the gate in a duet on the local service', () => {
  const spin = (blocks: number): string => hashingHandler(blocks, 'answer: event.n * 2');
  const rawFunction = {
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    baseline: './baseline',
    candidate: './candidate',
    memory: [1769],
    exemplars: [{ name: 'two', event: { n: 1 }, expect: { answer: 2 } }],
  };
  const project = (baseline: string, candidate: string) => {
    const root = gate.fixture.writeBuilds(baseline, candidate);
    mkdirSync(join(root, 'candidate', 'lib'), { recursive: true });
    writeFileSync(join(root, 'candidate', 'lib', 'unused.js'), 'module.exports = 1;');
    return validateConfig(
      {
        region: 'us-east-1',
        endpoint: gate.service.endpoint,
        functions: [{ ...rawFunction, name: 'spin' }],
        profile: 'never',
        // The cap is twice the default: an A/A run here mostly decides after 16-28 environments,
        // yet a fresh-clone CI and 1 of 12 runs of this case alone reached 40 undecided.
        sampling: { design: 'duet', concurrency: 2, seed: 11, 'max-environment-pairs': 80 },
      },
      join(root, 'lambda-perf.yml'),
    );
  };

  test('an A/A run passes, says the duet measured it and that cold starts were not compared, and leaves nothing behind', async () => {
    const report = await runGate({
      config: project(spin(40), spin(40)),
      backend: gate.backend,
      localKey: gate.localKey,
      retry: FAST_RETRY,
    });
    const fn = report.functions[0]!;
    expect(fn.verdict).toBe('pass');
    expect(report.settings.design).toBe('duet');
    expect(fn.findings.map((r) => r.message)).toEqual([
      expect.stringMatching(/^cold start: not compared \(sampling\.design: duet runs both builds in each environment/),
    ]);
    // Each build's first call in every environment is counted and billed, though in no figure.
    const environments = fn.variants[0]!.comparisons.find((c) => c.metric === 'warm')!.units!;
    expect(fn.invocations.total).toBe(environments * 2 * (1 + report.settings.pairsPerEnvironment));
    expect(renderMarkdown(report)).toContain('duet: up to 80 environments per variant, each holding both builds');
    expect(renderTerminal(report)).toContain('design: duet');
    const client = createLambdaClient({
      region: 'us-east-1',
      endpoint: gate.service.endpoint,
      localKey: gate.localKey,
      maxAttempts: 3,
    });
    const left = await client.send(new ListFunctionsCommand({}));
    client.destroy();
    expect((left.Functions ?? []).filter((f) => f.FunctionName?.startsWith('lpg-spin'))).toEqual([]);
  }, 180_000);

  test("errors in each build's first call of an environment, which no figure holds, are still found", async () => {
    const firstCallFails = `let calls = 0;
${spin(40).replace('exports.handler = async (event) => {', "exports.handler = async (event) => {\n  if (++calls === 1) throw new Error('first call');")}`;
    const report = await runGate({
      config: project(spin(40), firstCallFails),
      backend: gate.backend,
      localKey: gate.localKey,
      retry: FAST_RETRY,
    });
    const fn = report.functions[0]!;
    expect(fn.verdict).toBe('fail');
    expect(fn.findings.map((r) => r.message).join('\n')).toMatch(/Error/);
  }, 180_000);

  test("a second function's package that cannot be a duet is refused before the first function is created", async () => {
    const root = gate.fixture.writeBuilds(spin(40), spin(40));
    writeFileSync(
      join(root, 'bad.zip'),
      zipOf({ 'index.js': spin(40), 'lib.js': ['/var/task/baseline/index.js', 0o120777] }),
    );
    const config = validateConfig(
      {
        region: 'us-east-1',
        endpoint: gate.service.endpoint,
        functions: [
          { ...rawFunction, name: 'first' },
          { ...rawFunction, name: 'second', candidate: './bad.zip' },
        ],
        profile: 'never',
        sampling: { design: 'duet' },
      },
      join(root, 'lambda-perf.yml'),
    );
    const progress: string[] = [];
    await expect(
      runGate({
        config,
        backend: gate.backend,
        localKey: gate.localKey,
        retry: FAST_RETRY,
        progress: (line) => progress.push(line),
      }),
    ).rejects.toThrow(/^functions\[1\] \(second\): the candidate's package has a link that leaves it/);
    expect(progress.filter((line) => line.includes('creating'))).toEqual([]);
  });

  test('a candidate doing 20% more hashing (about +10% of Duration) fails with a regression', async () => {
    const report = await runGate({
      config: project(spin(40), spin(48)),
      backend: gate.backend,
      localKey: gate.localKey,
      retry: FAST_RETRY,
    });
    const fn = report.functions[0]!;
    const warm = fn.variants[0]!.comparisons.find((c) => c.metric === 'warm')!;
    if (fn.verdict !== 'fail')
      throw new Error(
        `expected a regression, got ${warm.outcome}: ratio ${warm.ratio} [${warm.ciLow}, ${warm.ciHigh}], ${warm.units} environments`,
      );
    expect(warm.outcome).toBe('regression');
  }, 180_000);
});
