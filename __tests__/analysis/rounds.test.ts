import { decideFixed, edgesOf, judgeRound, type MetricSamples } from '../../src/analysis/comparison.js';
import { seededRandom } from '../../src/random.js';

const RULES = { alpha: 0.01, beta: 0.05, tolerance: 0.05 };
const EDGES = edgesOf(RULES.tolerance);

/** `n` paired log-ratios around log(ratio), with uniform jitter of ±`spread` (in log units). */
function pairs(seed: number, n: number, ratio: number, spread: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => Math.log(ratio) + (random() * 2 - 1) * spread);
}

/** The warm metric of integration rounds side by side, decided once; `pooled` ignores the rounds. */
function decide(rounds: number[][], pooled = false) {
  const all = rounds.flat();
  const warm: MetricSamples = {
    metric: 'warm',
    variant: 'v',
    nBaseline: all.length,
    nCandidate: all.length,
    evidence: { paired: all },
    ...(pooled ? {} : { rounds }),
  };
  return decideFixed([warm], RULES)[0]!;
}

describe('integration rounds, each judged on its own', () => {
  test('two rounds of five calls, every call slower, are inconclusive: five pairs cannot reach 99% on their own', () => {
    // What CI met on identical builds' integration rounds: every call +15..25%, pooled p < 0.01.
    const rounds = [pairs(1, 5, 1.2, 0.05), pairs(2, 5, 1.18, 0.05)];
    expect(decide(rounds, true).outcome).toBe('regression');
    const c = decide(rounds);
    expect(c.rounds!.map((b) => [b.pairs, b.outcome])).toEqual([
      [5, 'inconclusive'],
      [5, 'inconclusive'],
    ]);
    expect(c.outcome).toBe('inconclusive');
    // The pooled statistics are kept for the report; only the decision changes.
    expect(c.ratio).toBe(decide(rounds, true).ratio);
  });

  test('a slowdown every round shows on its own is a regression', () => {
    const c = decide([pairs(3, 12, 1.3, 0.05), pairs(4, 12, 1.3, 0.05)]);
    expect(c.rounds!.map((b) => b.outcome)).toEqual(['regression', 'regression']);
    expect(c.outcome).toBe('regression');
    for (const block of c.rounds!) expect(block.ratio).toBeCloseTo(1.3, 1);
  });

  test('a slowdown estimated above the tolerance but shown only above zero, not above half the tolerance, is not a regression', () => {
    // 40 pairs around +5.8% with a wide spread: p against zero is tiny, but the interval's lower
    // end sits below +2.5%, so it may still be a change inside the band the tolerance allows.
    const random = seededRandom(21);
    const wide = Array.from({ length: 40 }, () => Math.log(1.058) + 0.09 * (random() * 2 - 1) * Math.sqrt(3));
    const c = decide([wide], true);
    expect(c.pValue).toBeLessThan(0.001);
    expect(c.ratio).toBeGreaterThan(1.05);
    expect(c.ciLow).toBeGreaterThan(1);
    expect(c.ciLow).toBeLessThan(1.025);
    expect(c.outcome).toBe('inconclusive');
    // The same pairs moved up by 3% are shown above half the tolerance.
    expect(decide([wide.map((v) => v + Math.log(1.03))], true).outcome).toBe('regression');
  });

  test('a slowdown one round carries alone is inconclusive, though the pooled pairs call it a regression', () => {
    const rounds = [pairs(5, 30, 1.5, 0.05), pairs(6, 30, 1.0, 0.05)];
    expect(decide(rounds, true).outcome).toBe('regression');
    const c = decide(rounds);
    expect(c.rounds!.map((b) => b.outcome)).toEqual(['regression', 'no-regression']);
    expect(c.outcome).toBe('inconclusive');
  });

  test('a pass needs every round below the tolerance too', () => {
    expect(decide([pairs(7, 40, 1.0, 0.03), pairs(8, 40, 1.0, 0.03)]).outcome).toBe('no-regression');
    const c = decide([pairs(7, 40, 1.0, 0.03), pairs(8, 4, 1.0, 0.2)]);
    expect(c.rounds!.map((b) => b.outcome)).toEqual(['no-regression', 'inconclusive']);
    expect(c.outcome).toBe('inconclusive');
  });

  test('one round is the pooled comparison itself: no rounds are reported', () => {
    const c = decide([pairs(9, 30, 1.3, 0.05)]);
    expect(c.rounds).toBeUndefined();
    expect(c.outcome).toBe('regression');
  });

  test('seven pairs is the fewest that can show a regression at 99%', () => {
    expect(judgeRound(pairs(12, 6, 2, 0.01), 0.01, 0.05, EDGES).outcome).toBe('inconclusive');
    expect(judgeRound(pairs(12, 7, 2, 0.01), 0.01, 0.05, EDGES).outcome).toBe('regression');
    expect(judgeRound([], 0.01, 0.05, EDGES)).toMatchObject({ pairs: 0, outcome: 'inconclusive' });
  });

  test('whole runs one after the other are compared as two independent samples', () => {
    const warm: MetricSamples = {
      metric: 'warm',
      variant: 'v',
      nBaseline: 8,
      nCandidate: 8,
      evidence: { baseline: [10, 11, 10, 12, 11, 10, 11, 10], candidate: [15, 16, 15, 17, 16, 15, 16, 15] },
    };
    const c = decideFixed([warm], RULES)[0]!;
    expect(c.outcome).toBe('regression');
    expect(c.units).toBe(8);
  });
});
