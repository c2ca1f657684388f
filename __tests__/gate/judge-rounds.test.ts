import { decideLook, type MetricComparison, type MetricSamples } from '../../src/analysis/comparison.js';
import { judgeRound, judgeRounds } from '../../src/gate/integration.js';
import { seededRandom } from '../../src/local-lambda/faults.js';

const RULES = { alpha: 0.01, beta: 0.05, tolerance: 0.05 };
const FINAL = { fraction: 1, previousFraction: 0, final: true };

/** `n` paired log-ratios around log(ratio), with uniform jitter of ±`spread` (in log units). */
function pairs(seed: number, n: number, ratio: number, spread: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => Math.log(ratio) + (random() * 2 - 1) * spread);
}

/** The pooled decision the gate makes over every pair of every round. */
function pooled(rounds: number[][]): MetricComparison[] {
  const all = rounds.flat();
  const warm: MetricSamples = { metric: 'warm', variant: 'v', baseline: all.map(() => 1), candidate: all.map(() => 1), sequential: false, pairedLogRatios: all };
  return decideLook([warm], RULES, FINAL);
}

describe('side-by-side integration rounds', () => {
  test('two rounds of five calls, every call slower, are inconclusive: five pairs cannot reach 99% on their own', () => {
    // What CI met on identical builds: each round +15..25% on every call, pooled p < 0.01.
    const rounds = [pairs(1, 5, 1.2, 0.05), pairs(2, 5, 1.18, 0.05)];
    const all = pooled(rounds);
    expect(all[0]!.outcome).toBe('regression');
    const judged = judgeRounds(all, rounds, RULES);
    expect(judged.rounds.map((r) => [r.pairs, r.outcome])).toEqual([
      [5, 'inconclusive'],
      [5, 'inconclusive'],
    ]);
    expect(judged.comparisons[0]!.outcome).toBe('inconclusive');
    // The pooled statistics are kept for the report; only the decision changes.
    expect(judged.comparisons[0]!.ratio).toBe(all[0]!.ratio);
  });

  test('a slowdown every round shows on its own is a regression', () => {
    const rounds = [pairs(3, 12, 1.3, 0.05), pairs(4, 12, 1.3, 0.05)];
    const judged = judgeRounds(pooled(rounds), rounds, RULES);
    expect(judged.rounds.map((r) => r.outcome)).toEqual(['regression', 'regression']);
    expect(judged.comparisons[0]!.outcome).toBe('regression');
    for (const round of judged.rounds) expect(round.ratio).toBeCloseTo(1.3, 1);
  });

  test('a slowdown one round carries alone is inconclusive, though the pooled pairs call it a regression', () => {
    const rounds = [pairs(5, 30, 1.5, 0.05), pairs(6, 30, 1.0, 0.05)];
    const all = pooled(rounds);
    expect(all[0]!.outcome).toBe('regression');
    const judged = judgeRounds(all, rounds, RULES);
    expect(judged.rounds.map((r) => r.outcome)).toEqual(['regression', 'no-regression']);
    expect(judged.comparisons[0]!.outcome).toBe('inconclusive');
  });

  test('a pass needs every round below the tolerance too', () => {
    const quiet = [pairs(7, 40, 1.0, 0.03), pairs(8, 40, 1.0, 0.03)];
    expect(judgeRounds(pooled(quiet), quiet, RULES).comparisons[0]!.outcome).toBe('no-regression');
    const oneShort = [pairs(7, 40, 1.0, 0.03), pairs(8, 3, 1.0, 0.03)];
    const judged = judgeRounds(pooled(oneShort), oneShort, RULES);
    expect(judged.rounds.map((r) => r.outcome)).toEqual(['no-regression', 'inconclusive']);
    expect(judged.comparisons[0]!.outcome).toBe('inconclusive');
  });

  test('a round with no warm pairs decides nothing', () => {
    expect(judgeRound([], RULES)).toMatchObject({ pairs: 0, outcome: 'inconclusive' });
  });

  test('seven pairs is the fewest that can show a regression at 99%', () => {
    expect(judgeRound(pairs(9, 6, 2, 0.01), RULES).outcome).toBe('inconclusive');
    expect(judgeRound(pairs(9, 7, 2, 0.01), RULES).outcome).toBe('regression');
  });
});
