import { edgesOf } from '../../src/analysis/comparison.js';
import { decideSequential, environmentPairEvidence, whatWouldDecide } from '../../src/analysis/sequential.js';
import { nominalLevels, obrienFleming, powerSpending } from '../../src/looks/group-sequential.js';
import { lookFractions, looksLevels, type SequentialPlan } from '../../src/looks/schedule.js';
import { normalQuantile } from '../../src/normal-distribution.js';
import { seededRandom } from '../../src/random.js';
import { spreadSamples } from '../../bench/spread-samples.js';
import { fixtureSamples } from '../helpers/fixture-samples.js';

const RULES = { alpha: 0.01, beta: 0.05, tolerance: 0.05 };
const PLAN: SequentialPlan = { pairsPerEnvironment: 5, batch: 8, maxEnvironmentPairs: 40 };
const decide = (samples: ReturnType<typeof fixtureSamples>, variants = ['v'], stopped?: Map<string, string>) =>
  decideSequential({ samples, variants, plan: PLAN, rules: RULES, ...(stopped ? { stopped } : {}) });

describe('group-sequential boundaries (alpha spending)', () => {
  test("reproduce the published Lan-DeMets O'Brien-Fleming boundaries for 5 equal looks at one-sided 0.025", () => {
    // Jennison & Turnbull (2000), table 7.6: 4.877, 3.357, 2.680, 2.290, 2.031.
    const z = nominalLevels(0.025, [0.2, 0.4, 0.6, 0.8, 1], obrienFleming, 'obf').map(
      (level) => -normalQuantile(level),
    );
    expect(z.map((v) => Number(v.toFixed(2)))).toEqual([4.88, 3.36, 2.68, 2.29, 2.03]);
  });

  test('the last of 9 looks tests near 0.008, not at the 0.0037 a Bonferroni split of the increments gives', () => {
    const fractions = Array.from({ length: 9 }, (_, i) => (i + 1) / 9);
    const last = nominalLevels(0.01, fractions, obrienFleming, 'obf').at(-1)!;
    expect(last).toBeGreaterThan(0.0075);
    expect(last).toBeLessThan(0.0085);
    expect(obrienFleming(0.01, 1) - obrienFleming(0.01, 8 / 9)).toBeLessThan(0.004);
  });

  test('a single look tests at the whole alpha; power spending grows as t^2', () => {
    expect(nominalLevels(0.01, [1], powerSpending(2), 'p2')).toEqual([0.01]);
    expect(powerSpending(2)(0.01, 0.5)).toBeCloseTo(0.0025, 10);
  });

  test('looks come every batch to the cap, the last one possibly smaller', () => {
    expect(lookFractions(PLAN)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(lookFractions({ ...PLAN, batch: 8, maxEnvironmentPairs: 20 })).toEqual([0.4, 0.8, 1]);
    const levels = looksLevels(PLAN, 0.005, 0.05);
    for (let i = 1; i < levels.length; i++) expect(levels[i]!.alpha).toBeGreaterThan(levels[i - 1]!.alpha);
  });
});

describe('environment pairs as the unit of evidence', () => {
  test('each environment pair is one summary; its cold starts give one paired cold ratio', () => {
    const evidence = environmentPairEvidence(
      fixtureSamples({ variants: [{ id: 'v', baselineMs: 20, ratio: 1.2 }], environmentPairs: 6 }),
    );
    expect(evidence.warm).toHaveLength(6);
    expect(evidence.cold).toHaveLength(6);
    expect(evidence.summaries.map((s) => s.pairs)).toEqual([5, 5, 5, 5, 5, 5]);
    expect(evidence.nBaseline).toBe(30);
    for (const s of evidence.summaries) expect(s.ratio).toBeGreaterThan(1.1);
  });

  test('the spread between environments is told apart from the noise within them', () => {
    const withOffsets = (offsetSd: number) =>
      environmentPairEvidence(
        fixtureSamples({ variants: [{ id: 'v', baselineMs: 20, ratio: 1 }], environmentPairs: 40, cv: 0.05, offsetSd }),
      );
    const quiet = withOffsets(0);
    const spread = withOffsets(0.08);
    expect(quiet.spread.betweenEnvironments).toBeLessThan(spread.spread.betweenEnvironments / 2);
    expect(spread.spread.betweenEnvironments).toBeGreaterThan(0.05);
    expect(spread.spread.betweenEnvironments).toBeLessThan(0.12);
    // A log ratio of two calls at 5% CV each varies by about 7%.
    for (const e of [quiet, spread]) expect(e.spread.withinEnvironment).toBeGreaterThan(0.04);
  });

  // Known truths (log-scale SDs), 40 environment pairs of 5 pairs, 100 variants each. Reading
  // deviations from each environment pair's median, one of five was always 0: "within" read 11.3%
  // for 14.1%, and "between" 2.6% for 0.
  test.each([
    [0, 0.05],
    [0, 0.141],
    [0, 0.25],
    [0.04, 0.05],
    [0.04, 0.141],
    [0.04, 0.25],
    [0.08, 0.05],
    [0.08, 0.141],
    [0.08, 0.25],
  ])('the spread split reads truths without bias: between %p, within %p', (between, within) => {
    const random = seededRandom(7);
    const readings = Array.from(
      { length: 100 },
      () =>
        environmentPairEvidence(spreadSamples(random, { environmentPairs: 40, between, within, pairs: 5, outliers: 0 }))
          .spread,
    );
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean(readings.map((r) => r.withinEnvironment)) / within).toBeCloseTo(1, 1);
    const read = mean(readings.map((r) => r.betweenEnvironments));
    // At 0 the reading cannot go below it, so its mean is above; it stays a small part of the noise.
    if (between === 0) expect(read).toBeLessThan(0.13 * within);
    else expect(Math.abs(read - between)).toBeLessThan(0.01);
  });

  test('a 20% slowdown is a regression at an early look, with its environment pairs in the report', () => {
    const [d] = decide(
      fixtureSamples({ variants: [{ id: 'v', baselineMs: 20, ratio: 1.2 }], environmentPairs: 16, offsetSd: 0.04 }),
    );
    expect(d!.open).toBe(false);
    const warm = d!.comparisons.find((c) => c.metric === 'warm')!;
    expect(warm.outcome).toBe('regression');
    expect(warm.look).toBe(2);
    expect(warm.units).toBe(16);
    expect(warm.environmentPairs).toHaveLength(16);
    expect(warm.ratio).toBeGreaterThan(1.15);
    expect(warm.ratio).toBeLessThan(1.25);
  });

  test('the first look (8 environment pairs) can never declare a regression: it spends almost none of alpha', () => {
    const [d] = decide(fixtureSamples({ variants: [{ id: 'v', baselineMs: 20, ratio: 1.5 }], environmentPairs: 8 }));
    expect(d!.open).toBe(true);
    expect(d!.comparisons[0]!.outcome).toBe('inconclusive');
    expect(d!.comparisons[0]!.pValue).toBe(1 / 256);
  });

  test('identical builds pass once the interval clears the tolerance; a cold-start regression is declared when the evidence is there', () => {
    const aa = decide(
      fixtureSamples({ variants: [{ id: 'v', baselineMs: 20, ratio: 1 }], environmentPairs: 24, cv: 0.04, seed: 3 }),
    )[0]!;
    expect(aa.comparisons.find((c) => c.metric === 'warm')!.outcome).toBe('no-regression');
    // Only the first call of each version is slower: a cold-start regression over 16 environment pairs.
    const samples = fixtureSamples({
      variants: [{ id: 'v', baselineMs: 20, ratio: 1 }],
      environmentPairs: 24,
      cv: 0.04,
      seed: 3,
    }).map((s) =>
      s.kind === 'cold' && s.build === 'candidate' ? { ...s, initDurationMs: s.initDurationMs! * 1.5 } : s,
    );
    const cold = decide(samples)[0]!.comparisons.find((c) => c.metric === 'cold')!;
    expect(cold.outcome).toBe('regression');
    expect(cold.ratio).toBeGreaterThan(1.2);
  });

  test('replaying the looks on more samples keeps an early decision: the outcome is the one the sampler stopped on', () => {
    const first = fixtureSamples({
      variants: [{ id: 'v', baselineMs: 20, ratio: 1.2 }],
      environmentPairs: 16,
      seed: 5,
    });
    const more = [
      ...first,
      ...fixtureSamples({ variants: [{ id: 'v', baselineMs: 20, ratio: 1 }], environmentPairs: 24, seed: 6, from: 16 }),
    ];
    const warm = decide(more)[0]!.comparisons[0]!;
    expect(warm.outcome).toBe('regression');
    expect(warm.look).toBe(2);
  });

  test('the interval shown is the one that decided: a pass lies below the tolerance, a regression above half of it, and "a tolerance of N%" lies above the interval', () => {
    const outcomes = new Set<string>();
    for (const ratio of [1, 1.03, 1.05, 1.08, 1.1])
      for (let seed = 1; seed <= 12; seed++) {
        const samples = fixtureSamples({
          variants: [{ id: 'v', baselineMs: 20, ratio }],
          environmentPairs: 40,
          cv: 0.1,
          offsetSd: 0.06,
          seed,
        });
        for (const c of decide(samples)[0]!.comparisons) {
          outcomes.add(`${c.metric} ${c.outcome}`);
          // The lower end spends the metric's share of alpha (0.01 over warm and cold), the upper end beta.
          expect(c).toMatchObject({ repeated: true, confidence: 1 - 0.005 - 0.05 });
          if (c.outcome === 'no-regression') expect(c.ciHigh).toBeLessThan(1.05);
          if (c.outcome === 'regression') expect(c.ciLow).toBeGreaterThan(1.025);
          const suggested = /a tolerance of (\d+)%/.exec(c.reason ?? '');
          if (suggested) expect(Number(suggested[1])).toBeGreaterThan((c.ciHigh - 1) * 100);
        }
      }
    expect([...outcomes].sort()).toEqual(
      expect.arrayContaining(['warm inconclusive', 'warm no-regression', 'warm regression', 'cold no-regression']),
    );
  });

  test('at the cap, an inconclusive comparison says how much environments differ and what would decide it', () => {
    const samples = fixtureSamples({
      variants: [{ id: 'v', baselineMs: 20, ratio: 1.04 }],
      environmentPairs: 40,
      cv: 0.1,
      offsetSd: 0.08,
      seed: 9,
    });
    const [d] = decide(samples);
    const warm = d!.comparisons[0]!;
    expect(d!.open).toBe(false);
    expect(warm.outcome).toBe('inconclusive');
    expect(warm.reason).toMatch(
      /^environments differ by \d+\.\d% \(sd\) and pairs within one by \d+\.\d%; about \d+ more environment pairs \(sampling\.max-environment-pairs \d+\), or a tolerance of \d+%, would decide it$/,
    );
  });

  test('a slowdown estimated above the tolerance is a regression only once shown beyond half of it', () => {
    // +6.5% in noisy environments: by the cap the slowdown is plain (p < 0.001 against no change)
    // and estimated above 5%, but the interval at the level spent starts below +2.5%.
    const samples = fixtureSamples({
      variants: [{ id: 'v', baselineMs: 20, ratio: 1.065 }],
      environmentPairs: 40,
      cv: 0.1,
      offsetSd: 0.06,
      seed: 6,
    });
    const [d] = decide(samples);
    const warm = d!.comparisons[0]!;
    expect(d!.open).toBe(false);
    expect(warm.pValue).toBeLessThan(0.001);
    expect(warm.ratio).toBeGreaterThan(1.05);
    expect(warm.ciLow).toBeGreaterThan(1);
    expect(warm.ciLow).toBeLessThan(1.025);
    expect(warm.outcome).toBe('inconclusive');
    expect(warm.reason).toMatch(
      /the estimate is above the tolerance but not shown beyond half of it: about \d+ more environment pairs/,
    );
  });

  test('environments that do not differ measurably are not quoted as "differ by 0.0%"', () => {
    const samples = fixtureSamples({ variants: [{ id: 'v', baselineMs: 20, ratio: 1.04 }], environmentPairs: 40 });
    const evidence = environmentPairEvidence(samples);
    const still = { ...evidence, spread: { ...evidence.spread, betweenEnvironments: 0.0001 } };
    const warm = decide(samples)[0]!.comparisons[0]!;
    const reason = whatWouldDecide(warm, still, PLAN, RULES, edgesOf(RULES.tolerance));
    expect(reason).not.toContain('environments differ');
    expect(reason).toMatch(/^pairs within one by \d+\.\d%; /);
  });

  test('a variant stopped for failing is closed, and says why', () => {
    const samples = fixtureSamples({
      variants: [{ id: 'v', baselineMs: 20, ratio: 1, candidateError: 'TypeError' }],
      environmentPairs: 1,
    });
    const [d] = decide(samples, ['v'], new Map([['v', 'stopped: the candidate failed all 6 calls (TypeError)']]));
    expect(d!.open).toBe(false);
    expect(d!.comparisons[0]!.outcome).toBe('inconclusive');
    expect(d!.comparisons[0]!.reason).toBe('stopped: the candidate failed all 6 calls (TypeError)');
  });
});
