import { decideLook, lookSchedule, type MetricSamples } from '../../src/analysis/comparison.js';
import { seededRandom } from '../../src/local-lambda/faults.js';

const RULES = { alpha: 0.01, beta: 0.05, tolerance: 0.05 };
const FINAL = { fraction: 1, previousFraction: 0, final: true };

function lognormal(seed: number, n: number, median: number, cv: number): number[] {
  const random = seededRandom(seed);
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  return Array.from({ length: n }, () => median * Math.exp(sigma * Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random())));
}

const warm = (baseline: number[], candidate: number[]): MetricSamples => ({ metric: 'warm', variant: 'v', baseline, candidate, sequential: true });

describe('the comparison rule', () => {
  test('a 30% slowdown at 5% noise is a regression, with the ratio and interval around 1.3', () => {
    const [c] = decideLook([warm(lognormal(1, 60, 20, 0.05), lognormal(2, 60, 26, 0.05))], RULES, FINAL);
    expect(c!.outcome).toBe('regression');
    expect(c!.ratio).toBeGreaterThan(1.25);
    expect(c!.ratio).toBeLessThan(1.35);
    expect(c!.ciLow).toBeLessThan(c!.ratio);
    expect(c!.ciHigh).toBeGreaterThan(c!.ratio);
  });

  test('identical builds with enough samples show no regression', () => {
    const [c] = decideLook([warm(lognormal(3, 120, 20, 0.05), lognormal(4, 120, 20, 0.05))], RULES, FINAL);
    expect(c!.outcome).toBe('no-regression');
  });

  test('a significant slowdown below the tolerance is not a regression', () => {
    const [c] = decideLook([warm(lognormal(5, 400, 20, 0.02), lognormal(6, 400, 20.4, 0.02))], RULES, FINAL);
    expect(c!.pValue).toBeLessThan(0.01);
    expect(c!.outcome).not.toBe('regression');
  });

  test('too few noisy samples are inconclusive, never a pass', () => {
    const [c] = decideLook([warm(lognormal(7, 8, 20, 0.3), lognormal(8, 8, 21, 0.3))], RULES, FINAL);
    expect(c!.outcome).toBe('inconclusive');
  });

  test('an early look spends little error: the same data is a regression at the end, not at 1/6', () => {
    const metrics = [warm(lognormal(9, 20, 20, 0.1), lognormal(10, 20, 22.4, 0.1))];
    const early = decideLook(metrics, RULES, { fraction: 1 / 6, previousFraction: 0, final: false });
    const late = decideLook(metrics, RULES, FINAL);
    expect(early[0]!.outcome).toBe('inconclusive');
    expect(late[0]!.outcome).toBe('regression');
  });

  test('looks come every batch up to the cap', () => {
    expect(lookSchedule(20, 100, 20)).toEqual([20, 40, 60, 80, 100]);
    expect(lookSchedule(10, 25, 10)).toEqual([10, 20, 25]);
    expect(lookSchedule(30, 30, 30)).toEqual([30]);
  });
});
