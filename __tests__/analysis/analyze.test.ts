import type { FunctionAnalysisInput } from '../../src/analysis/analyze.js';
import { BUDGET_KEYS, BUDGET_METRICS } from '../../src/config/budgets.js';
import type { FunctionSpec, Strategy } from '../../src/config/types.js';
import { analyzeFixture, FIXTURE_SPEC, variantPlan } from '../helpers/analysis-fixture.js';
import { fixtureSamples, type FixtureVariant } from '../helpers/fixture-samples.js';

const VARIANTS = [variantPlan(256), variantPlan(512), variantPlan(1024)];

/** CPU-bound timings: 512 MB is the cheapest per invocation, 1,024 MB the fastest. */
const fixture = (ratio: number, extra: Partial<FixtureVariant> = {}): FixtureVariant[] => [
  { id: '256MB-x86_64', baselineMs: 80, ratio, memorySizeMb: 256, ...extra },
  { id: '512MB-x86_64', baselineMs: 38, ratio, memorySizeMb: 512, ...extra },
  { id: '1024MB-x86_64', baselineMs: 21, ratio, memorySizeMb: 1024, ...extra },
];

const analyze = (timings: FixtureVariant[], strategy: Strategy, extra: Partial<FunctionAnalysisInput> = {}) =>
  analyzeFixture({ variants: VARIANTS, timings, environmentPairs: 16, seed: 4, strategy }, extra);

describe('the analysis of one function, from samples and plan alone', () => {
  test('identical builds pass at every variant; the cost strategy recommends the cheapest memory', () => {
    const result = analyze(fixture(1), 'cost');
    expect(result.verdict).toBe('pass');
    expect(result.variants.map((v) => v.comparisons.find((c) => c.metric === 'warm')!.outcome)).toEqual([
      'no-regression',
      'no-regression',
      'no-regression',
    ]);
    expect(result.recommended).toMatchObject({ memory: 512, strategy: 'cost' });
    for (const v of result.variants) expect(Math.abs(v.costChangePercent!)).toBeLessThan(5);
  });

  test('a pass covers cold starts only where they were shown unchanged; elsewhere a notice says "cold start: not enough evidence"', () => {
    const shown = analyze(fixture(1), 'cost');
    expect(shown.variants.map((v) => v.comparisons.find((c) => c.metric === 'cold')?.outcome)).toEqual([
      'no-regression',
      'no-regression',
      'no-regression',
    ]);
    expect(shown.findings.filter((f) => f.about === 'cold-not-shown')).toEqual([]);
    // The same runs without 512 MB's cold starts (their INIT not reported): nothing shows them unchanged.
    const samples = fixtureSamples({ variants: fixture(1), environmentPairs: 16, cv: 0.03, seed: 4 }).filter(
      (s) => !(s.variant === '512MB-x86_64' && s.kind === 'cold'),
    );
    const unshown = analyze(fixture(1), 'cost', { samples });
    expect(unshown.verdict).toBe('pass');
    expect(unshown.findings.filter((f) => f.about === 'cold-not-shown')).toEqual([
      { kind: 'notice', about: 'cold-not-shown', variants: ['512MB-x86_64'] },
    ]);
  });

  test('the balanced strategy weighs cost against speed and picks the fastest when its cost is close', () => {
    expect(analyze(fixture(1), 'balanced').recommended).toMatchObject({ memory: 1024, strategy: 'balanced' });
    expect(analyze(fixture(1), 'speed').recommended).toMatchObject({ memory: 1024 });
  });

  test('a 20% slowdown fails at every variant, with the cost change beside it', () => {
    const result = analyze(fixture(1.2), 'cost');
    expect(result.verdict).toBe('fail');
    // Warm duration and cold start, 20% slower each, at every memory size.
    for (const metric of ['warm', 'cold'] as const) {
      const regressions = result.findings.filter(
        (f) => f.kind === 'regression' && f.about === 'comparison' && f.traffic === 'exemplars' && f.metric === metric,
      );
      expect(regressions.map((f) => ('variant' in f ? f.variant : undefined))).toEqual([
        '256MB-x86_64',
        '512MB-x86_64',
        '1024MB-x86_64',
      ]);
    }
    for (const v of result.variants) expect(v.costChangePercent!).toBeGreaterThan(10);
  });

  test('a candidate that failed every call: the error is the finding, no cost change, and it is not recommended', () => {
    const failing = fixture(1).map((v, i) => (i === 0 ? { ...v, candidateError: 'Sandbox.Timedout' } : v));
    const result = analyze(failing, 'cost', {
      stopped: new Map([['256MB-x86_64', 'stopped: the candidate failed all 6 calls (Sandbox.Timedout)']]),
    });
    expect(result.verdict).toBe('fail');
    const failed = result.variants[0]!;
    expect(failed.costChangePercent).toBeNull();
    expect(failed.stopped).toMatch(/^stopped:/);
    const timedOut = result.findings.find((f) => f.about === 'errors' && f.errorType === 'Sandbox.Timedout');
    expect(timedOut).toMatchObject({ kind: 'wrong-answer', baseline: { failed: 0 } });
    expect(timedOut?.about === 'errors' && timedOut.candidate.failed).toBeGreaterThan(0);
    expect(result.recommended?.variant).not.toBe('256MB-x86_64');
  });

  test('errors both builds show alike are platform noise: a notice, not a finding', () => {
    const samples = fixtureSamples({ variants: fixture(1), environmentPairs: 16, cv: 0.03, seed: 4 }).map((s, i) =>
      i % 29 === 0 ? { ...s, errorType: 'Runtime.ExitError' } : s,
    );
    const result = analyze(fixture(1), 'cost', { samples });
    expect(result.findings.filter((f) => f.kind === 'wrong-answer')).toEqual([]);
    const exitErrors = result.findings.filter((f) => f.about === 'errors' && f.errorType === 'Runtime.ExitError');
    expect(exitErrors.length).toBeGreaterThan(0);
    // Both builds failed: a notice of platform noise, for every exemplar that saw the error.
    for (const f of exitErrors) expect(f).toMatchObject({ kind: 'notice', baseline: { failed: expect.any(Number) } });
    expect(exitErrors.some((f) => f.about === 'errors' && f.baseline.failed > 0 && f.candidate.failed > 0)).toBe(true);
  });

  test('both builds failing every call of an exemplar is an error finding that fails, naming the error type and message', () => {
    const samples = fixtureSamples({ variants: fixture(1), environmentPairs: 1, cv: 0.03, seed: 4 }).map((s) => ({
      ...s,
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.handle is undefined or not exported',
    }));
    const result = analyze(fixture(1), 'cost', { samples });
    expect(result.verdict).toBe('fail');
    const neverRuns = result.findings.filter((f) => f.about === 'never-runs');
    expect(neverRuns).toEqual([
      {
        kind: 'wrong-answer',
        about: 'never-runs',
        exemplar: 'e',
        candidate: {
          failed: 18,
          calls: 18,
          errorType: 'Runtime.HandlerNotFound',
          errorMessage: 'index.handle is undefined or not exported',
        },
        baseline: {
          failed: 18,
          calls: 18,
          errorType: 'Runtime.HandlerNotFound',
          errorMessage: 'index.handle is undefined or not exported',
        },
      },
    ]);
    // Not also a notice of platform noise.
    expect(result.findings.filter((f) => f.about === 'errors')).toEqual([]);
  });

  test('one build failing sometimes is judged as before: too few to tell from chance is a notice', () => {
    const samples = fixtureSamples({ variants: fixture(1), environmentPairs: 16, cv: 0.03, seed: 4 }).map((s, i) =>
      s.build === 'candidate' && i % 101 === 0 ? { ...s, errorType: 'Runtime.ExitError', errorMessage: 'exit 1' } : s,
    );
    const result = analyze(fixture(1), 'cost', { samples });
    const exitErrors = result.findings.filter((f) => f.about === 'errors' || f.about === 'never-runs');
    expect(exitErrors.length).toBeGreaterThan(0);
    for (const f of exitErrors) expect(f).toMatchObject({ kind: 'notice', about: 'errors', baseline: { failed: 0 } });
    expect(result.verdict).toBe('pass');
  });

  test('a candidate failing every call where the baseline fails only sometimes is a finding, not platform noise', () => {
    // 6 of 6 against 2 of 6 is no surprise to the binomial test, but the candidate never answered.
    let baselineFailures = 0;
    const samples = fixtureSamples({ variants: fixture(1).slice(0, 1), environmentPairs: 1, cv: 0.03, seed: 4 }).map(
      (s) =>
        s.build === 'candidate' || (s.build === 'baseline' && baselineFailures++ < 2)
          ? { ...s, errorType: 'Runtime.ExitError' }
          : s,
    );
    const result = analyze(fixture(1), 'cost', { samples, variants: VARIANTS.slice(0, 1) });
    expect(result.findings.filter((f) => f.about === 'errors')).toEqual([
      {
        kind: 'wrong-answer',
        about: 'errors',
        exemplar: 'e',
        errorType: 'Runtime.ExitError',
        candidate: { failed: 6, calls: 6 },
        baseline: { failed: 2, calls: 6 },
      },
    ]);
    expect(result.verdict).toBe('fail');
  });
});

describe('budgets, declared once (config/budgets.ts)', () => {
  test('every budget key is checked against its own figure, in its unit, and only latency budgets steer cheapest-within-budget', () => {
    // Limits no variant can meet, and limits every variant meets: each check must fall on its side.
    const tight = Object.fromEntries(BUDGET_KEYS.map((key) => [key, 1e-9]));
    const loose = Object.fromEntries(BUDGET_KEYS.map((key) => [key, BUDGET_METRICS[key].unit === '%' ? 100 : 1e9]));
    for (const [budgets, ok] of [
      [tight, false],
      [loose, true],
    ] as const) {
      const result = analyze(fixture(1), 'cheapest-within-budget', {
        spec: { ...FIXTURE_SPEC, budgets } as FunctionSpec,
      });
      for (const v of result.variants) {
        expect(v.budgets.map((b) => b.budget)).toEqual(BUDGET_KEYS);
        expect(v.budgets.map((b) => b.unit)).toEqual(BUDGET_KEYS.map((key) => BUDGET_METRICS[key].unit));
        expect(v.budgets.every((b) => b.ok === ok && Number.isFinite(b.value) && b.value > 0)).toBe(true);
      }
      expect(result.findings.some((f) => f.kind === 'budget')).toBe(!ok);
    }
  });
});

describe('which exemplar got slower', () => {
  test("each variant carries each exemplar's warm change: the large order 50% slower, the small one unchanged", () => {
    // Every other warm pair is a large order, whose candidate takes half as long again.
    const samples = fixtureSamples({ variants: fixture(1), environmentPairs: 16, cv: 0.03, seed: 4 }).map((s) => {
      const large = s.pair !== undefined && s.pair % 2 === 1;
      return {
        ...s,
        exemplar: large ? 'large-order' : 'small-order',
        durationMs: large && s.build === 'candidate' ? s.durationMs * 1.5 : s.durationMs,
      };
    });
    const spec = {
      ...FIXTURE_SPEC,
      exemplars: [
        { name: 'small-order', weight: 1 },
        { name: 'large-order', weight: 1 },
      ],
    } as unknown as FunctionSpec;
    const result = analyze(fixture(1), 'cost', { spec, samples });
    for (const v of result.variants) {
      const [small, large] = v.exemplars!;
      expect(small).toMatchObject({ exemplar: 'small-order', pairs: 40 });
      expect(large).toMatchObject({ exemplar: 'large-order', pairs: 40 });
      expect(Math.abs(small!.ratio - 1)).toBeLessThan(0.03);
      expect(Math.abs(large!.ratio - 1.5)).toBeLessThan(0.05);
      expect(large!.candidateP50 / large!.baselineP50).toBeGreaterThan(1.4);
    }
  });

  test('an exemplar no pair measured has no change to show, not a zero', () => {
    const result = analyze(fixture(1), 'cost', {
      spec: {
        ...FIXTURE_SPEC,
        exemplars: [
          { name: 'e', weight: 1 },
          { name: 'never-sent', weight: 1 },
        ],
      } as unknown as FunctionSpec,
    });
    expect(result.variants[0]!.exemplars![1]).toMatchObject({ exemplar: 'never-sent', pairs: 0 });
    expect(result.variants[0]!.exemplars![1]!.ratio).toBeNaN();
  });
});
