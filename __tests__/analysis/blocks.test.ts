import { decideLook, judgeBlock, pairedLogRatioBlocks, type MetricSamples } from '../../src/analysis/comparison.js';
import { seededRandom } from '../../src/local-lambda/faults.js';
import type { Sample } from '../../src/measure/sample.js';

const RULES = { alpha: 0.01, beta: 0.05, tolerance: 0.05 };
const FINAL = { fraction: 1, previousFraction: 0, final: true };
const LIMIT = Math.log1p(RULES.tolerance);

/** `n` paired log-ratios around log(ratio), with uniform jitter of ±`spread` (in log units). */
function pairs(seed: number, n: number, ratio: number, spread: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => Math.log(ratio) + (random() * 2 - 1) * spread);
}

/** A warm metric of paired blocks, decided at the final look; `rule: 'pooled'` ignores the blocks. */
function decide(blocks: number[][], rule: 'replicated' | 'strict' | 'pooled' = 'replicated') {
  const all = blocks.flat();
  const warm: MetricSamples = {
    metric: 'warm',
    variant: 'v',
    baseline: all.map(() => 1),
    candidate: all.map(() => 1),
    sequential: false,
    pairedLogRatios: all,
    ...(rule === 'pooled' ? {} : { blocks, blockRule: rule }),
  };
  return decideLook([warm], RULES, FINAL)[0]!;
}

describe('blocks of pairs: environment pairs and integration rounds', () => {
  test('two integration rounds of five calls, every call slower, are inconclusive: five pairs cannot reach 99% on their own', () => {
    // What CI met on identical builds' integration rounds: every call +15..25%, pooled p < 0.01.
    const blocks = [pairs(1, 5, 1.2, 0.05), pairs(2, 5, 1.18, 0.05)];
    expect(decide(blocks, 'pooled').outcome).toBe('regression');
    const c = decide(blocks, 'strict');
    expect(c.blocks!.map((b) => [b.pairs, b.outcome])).toEqual([
      [5, 'inconclusive'],
      [5, 'inconclusive'],
    ]);
    expect(c.outcome).toBe('inconclusive');
    // The pooled statistics are kept for the report; only the decision changes.
    expect(c.ratio).toBe(decide(blocks, 'pooled').ratio);
  });

  test('environment pairs are replications: with k of them each is held to alpha^(1/k), integration rounds to alpha', () => {
    // Six pairs a block, all +30%: one-sided p = 1/64 in each, below 0.01^(1/2) = 0.1 but not below 0.01.
    const blocks = [pairs(13, 6, 1.3, 0.02), pairs(14, 6, 1.3, 0.02)];
    const replicated = decide(blocks, 'replicated');
    expect(replicated.blocks!.map((b) => [b.pValue, b.outcome])).toEqual([
      [1 / 64, 'regression'],
      [1 / 64, 'regression'],
    ]);
    expect(replicated.outcome).toBe('regression');
    expect(decide(blocks, 'strict').outcome).toBe('inconclusive');
  });

  test('a slowdown every block shows on its own is a regression', () => {
    const c = decide([pairs(3, 12, 1.3, 0.05), pairs(4, 12, 1.3, 0.05)]);
    expect(c.blocks!.map((b) => b.outcome)).toEqual(['regression', 'regression']);
    expect(c.outcome).toBe('regression');
    for (const block of c.blocks!) expect(block.ratio).toBeCloseTo(1.3, 1);
  });

  test('a slowdown one block carries alone is inconclusive, though the pooled pairs call it a regression', () => {
    // One environment pair where the candidate's environment is 50% slower, as a noisy host makes it.
    const blocks = [pairs(5, 30, 1.5, 0.05), pairs(6, 30, 1.0, 0.05)];
    expect(decide(blocks, 'pooled').outcome).toBe('regression');
    const c = decide(blocks);
    expect(c.blocks!.map((b) => b.outcome)).toEqual(['regression', 'no-regression']);
    expect(c.outcome).toBe('inconclusive');
  });

  test('a pass needs every block below the tolerance too', () => {
    expect(decide([pairs(7, 40, 1.0, 0.03), pairs(8, 40, 1.0, 0.03)]).outcome).toBe('no-regression');
    const c = decide([pairs(7, 40, 1.0, 0.03), pairs(8, 4, 1.0, 0.2)]);
    expect(c.blocks!.map((b) => b.outcome)).toEqual(['no-regression', 'inconclusive']);
    expect(c.outcome).toBe('inconclusive');
  });

  test('one block is the pooled comparison itself: no blocks are reported', () => {
    const c = decide([pairs(9, 30, 1.3, 0.05)]);
    expect(c.blocks).toBeUndefined();
    expect(c.outcome).toBe('regression');
  });

  test('at an early look a block is held to the alpha that look spends', () => {
    const blocks = [pairs(10, 10, 1.3, 0.2), pairs(11, 10, 1.3, 0.2)];
    const all = blocks.flat();
    const warm: MetricSamples = { metric: 'warm', variant: 'v', baseline: all, candidate: all, sequential: true, pairedLogRatios: all, blocks };
    const early = decideLook([warm], RULES, { fraction: 20 / 120, previousFraction: 0, final: false })[0]!;
    expect(early.outcome).toBe('inconclusive');
    expect(early.blocks!.every((b) => b.outcome === 'inconclusive')).toBe(true);
  });

  test('seven pairs is the fewest that can show a regression at 99%', () => {
    expect(judgeBlock(pairs(12, 6, 2, 0.01), 0.01, 0.05, LIMIT).outcome).toBe('inconclusive');
    expect(judgeBlock(pairs(12, 7, 2, 0.01), 0.01, 0.05, LIMIT).outcome).toBe('regression');
    expect(judgeBlock([], 0.01, 0.05, LIMIT)).toMatchObject({ pairs: 0, outcome: 'inconclusive' });
  });

  test('pairs are grouped by the replica they ran on; incomplete and cold pairs are left out', () => {
    const sample = (build: 'baseline' | 'candidate', pair: number, replica: number, durationMs: number, kind: 'warm' | 'cold' = 'warm'): Sample =>
      ({ function: 'f', build, variant: 'v', exemplar: 'e', sequence: 0, kind, durationMs, billedDurationMs: 1, maxMemoryUsedMb: 1, memorySizeMb: 128, pair, replica }) as Sample;
    const samples = [
      sample('baseline', 0, 0, 10),
      sample('candidate', 0, 0, 20),
      sample('candidate', 1, 1, 30),
      sample('baseline', 1, 1, 10),
      sample('baseline', 2, 0, 10),
      sample('candidate', 3, 1, 10, 'cold'),
      sample('baseline', 3, 1, 10),
    ];
    const blocks = pairedLogRatioBlocks(samples);
    expect(blocks.map((b) => b.length)).toEqual([1, 1]);
    expect(blocks[0]![0]).toBeCloseTo(Math.log(2), 12);
    expect(blocks[1]![0]).toBeCloseTo(Math.log(3), 12);
  });
});
