import {
  comparePaired,
  compareShift,
  criticalCount,
  holm,
  mannWhitneyUpperP,
  quantile,
  sortedCopy,
} from '../../src/analysis/statistics.js';
import { normalCdf, normalQuantile } from '../../src/normal-distribution.js';
import { seededRandom } from '../../src/local-lambda/faults.js';

const gaussian = (random: () => number): number =>
  Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());

describe('statistics', () => {
  test('quantiles interpolate between order statistics (type 7)', () => {
    const sorted = sortedCopy([5, 1, 4, 2, 3]);
    expect(quantile(sorted, 0.5)).toBe(3);
    expect(quantile(sorted, 0.9)).toBeCloseTo(4.6);
    expect(quantile([10, 20], 0.25)).toBeCloseTo(12.5);
    expect(quantile([], 0.5)).toBeNaN();
  });

  test('the normal CDF and its inverse agree with tables', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalQuantile(0.99)).toBeCloseTo(2.326348, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });

  test('exact Mann-Whitney: with 3 vs 3 and every y above every x, p = 1/20', () => {
    expect(mannWhitneyUpperP(9, 3, 3)).toBeCloseTo(0.05, 10);
    expect(mannWhitneyUpperP(0, 3, 3)).toBeCloseTo(1, 10);
    // P(U >= 8) for 3 vs 3: arrangements with U = 8 or 9 are 2 of 20.
    expect(mannWhitneyUpperP(8, 3, 3)).toBeCloseTo(0.1, 10);
    expect(criticalCount(3, 3, 0.05)).toBe(9);
    expect(criticalCount(3, 3, 0.01)).toBe(10);
  });

  test('the normal approximation is close to the exact test at 30 vs 30', () => {
    const exact = mannWhitneyUpperP(600, 30, 30);
    const approximate = mannWhitneyUpperP(600, 30, 31);
    expect(Math.abs(exact - approximate)).toBeLessThan(0.02);
    expect(mannWhitneyUpperP(600, 40, 40, 0)).toBeGreaterThan(0.01);
  });

  test('Hodges-Lehmann: a constant shift is estimated exactly and bounds bracket it', () => {
    const x = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    const y = x.map((v) => v + 3);
    const shift = compareShift(x, y);
    expect(shift.estimate).toBe(3);
    expect(shift.lowerBound(0.025)).toBeLessThan(3);
    expect(shift.upperBound(0.025)).toBeGreaterThan(3);
    expect(shift.pUp).toBeLessThan(0.05);
    expect(compareShift(y, x).pUp).toBeGreaterThan(0.95);
  });

  test('the 95% bounds cover the true shift about 95% of the time', () => {
    const random = seededRandom(11);
    let covered = 0;
    const runs = 400;
    for (let r = 0; r < runs; r++) {
      const x = Array.from({ length: 25 }, () => gaussian(random));
      const y = Array.from({ length: 25 }, () => 0.5 + gaussian(random));
      const shift = compareShift(x, y);
      if (shift.lowerBound(0.025) <= 0.5 && shift.upperBound(0.025) >= 0.5) covered++;
    }
    expect(covered / runs).toBeGreaterThan(0.91);
    expect(covered / runs).toBeLessThan(0.99);
  });

  test('paired signed-rank: five positive differences of five give p = 1/32, and the Walsh median estimates the shift', () => {
    const paired = comparePaired([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(paired.pUp).toBeCloseTo(1 / 32, 10);
    expect(paired.estimate).toBeCloseTo(0.3, 10);
    expect(comparePaired([-0.1, -0.2, -0.3, -0.4, -0.5]).pUp).toBeCloseTo(1, 10);
    expect(paired.lowerBound(0.05)).toBeLessThanOrEqual(0.3);
    expect(paired.upperBound(0.05)).toBeGreaterThanOrEqual(0.3);
  });

  test('pairing cancels load shared by both halves of a pair, which an unpaired test cannot', () => {
    const random = seededRandom(5);
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 40; i++) {
      const load = 2 * gaussian(random);
      x.push(load + 0.05 * gaussian(random));
      y.push(load + 0.1 + 0.05 * gaussian(random));
    }
    const paired = comparePaired(y.map((v, i) => v - x[i]!));
    expect(paired.pUp).toBeLessThan(0.001);
    expect(paired.estimate).toBeGreaterThan(0.05);
    expect(paired.estimate).toBeLessThan(0.15);
    expect(compareShift(x, y).pUp).toBeGreaterThan(0.05);
  });

  test('the paired 95% bounds cover the true shift about 95% of the time', () => {
    const random = seededRandom(13);
    let covered = 0;
    const runs = 400;
    for (let r = 0; r < runs; r++) {
      const d = Array.from({ length: 30 }, () => 0.2 + gaussian(random));
      const paired = comparePaired(d);
      if (paired.lowerBound(0.025) <= 0.2 && paired.upperBound(0.025) >= 0.2) covered++;
    }
    expect(covered / runs).toBeGreaterThan(0.91);
    expect(covered / runs).toBeLessThan(0.99);
  });

  test('Holm rejects step-down: the smallest p against alpha/m, then alpha/(m-1) ...', () => {
    const rejected = (p: number[], alpha: number) => holm(p, alpha).map((step) => step.rejected);
    expect(rejected([0.001, 0.03, 0.04], 0.05)).toEqual([true, false, false]);
    expect(rejected([0.01, 0.02, 0.025], 0.05)).toEqual([true, true, true]);
    expect(rejected([0.3, 0.001], 0.01)).toEqual([false, true]);
    // Each hypothesis is tested at the level of its rank; those after the step where the
    // procedure stopped were not tested, and carry that step's level.
    expect(holm([0.3, 0.001, 0.012], 0.03).map((step) => step.level)).toEqual([0.03 / 1, 0.03 / 3, 0.03 / 2]);
    expect(holm([0.3, 0.001, 0.02], 0.01).map((step) => step.level)).toEqual([0.01 / 2, 0.01 / 3, 0.01 / 2]);
    // The caller's own test at each step: stopping at the second leaves the third standing.
    expect(holm([0.001, 0.002, 0.003], 0.03, (index) => index !== 1).map((step) => step.rejected)).toEqual([
      true,
      false,
      false,
    ]);
  });

  test('pAbove tests against a margin: it is the p-value of the data moved down by the margin, and agrees with the bounds', () => {
    const random = seededRandom(17);
    let agreements = 0;
    let checks = 0;
    for (let r = 0; r < 200; r++) {
      const d = Array.from({ length: 5 + (r % 30) }, () => 0.03 + 0.04 * gaussian(random));
      const paired = comparePaired(d);
      expect(paired.pAbove(0)).toBe(paired.pUp);
      expect(paired.pAbove(0.025)).toBe(comparePaired(d.map((v) => v - 0.025)).pUp);
      expect(paired.pAbove(0.025)).toBeGreaterThanOrEqual(paired.pUp);
      const x = Array.from({ length: 12 }, () => gaussian(random));
      const y = x.map((v) => v + 0.5 + 0.3 * gaussian(random));
      const shift = compareShift(x, y);
      expect(shift.pAbove(0)).toBe(shift.pUp);
      expect(shift.pAbove(0.2)).toBe(
        compareShift(
          x,
          y.map((v) => v - 0.2),
        ).pUp,
      );
      for (const level of [0.01, 0.05]) {
        checks++;
        if (paired.lowerBound(level) > 0.025 === paired.pAbove(0.025) <= level) agreements++;
      }
    }
    // The bound and the test are two faces of one statistic; they part only where a Walsh
    // average sits exactly on the margin or where the test's normal approximation takes over.
    expect(agreements / checks).toBeGreaterThan(0.97);
  });
});
