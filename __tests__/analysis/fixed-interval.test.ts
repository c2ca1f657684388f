import { decideFixed, type MetricSamples } from '../../src/analysis/comparison.js';
import { gaussian, seededRandom } from '../../src/random.js';

// Integration traffic is decided on a fixed sample: Holm across the metrics for a regression,
// the upper bound at beta for a pass. The interval the report shows must be the one that decided,
// as the exemplars' repeated interval is (issue 20): a pass's upper end below the tolerance, a
// regression's lower end above half of it with the estimate above the tolerance.
const RULES = { alpha: 0.01, beta: 0.05, tolerance: 0.05 };
const LIMIT = 1 + RULES.tolerance;
const MARGIN = 1 + RULES.tolerance / 2;
const RATIOS = [0.97, 1, 1.025, 1.04, 1.05, 1.06, 1.08, 1.12];

function metricSet(seed: number): MetricSamples[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const count = 1 + Math.floor(random() * 3);
  return Array.from({ length: count }, (_, i) => {
    const ratio = pick(RATIOS);
    const sd = pick([0.01, 0.03, 0.06, 0.12]);
    const n = pick([8, 12, 20, 40, 80]);
    if (i === 2) {
      // Whole runs one after the other: two independent samples of durations.
      const baseline = Array.from({ length: n }, () => 100 * Math.exp(sd * gaussian(random)));
      const candidate = Array.from({ length: n }, () => 100 * ratio * Math.exp(sd * gaussian(random)));
      return { metric: 'cold', variant: 'v', nBaseline: n, nCandidate: n, evidence: { baseline, candidate } };
    }
    const paired = Array.from({ length: n }, () => Math.log(ratio) + sd * gaussian(random));
    return { metric: i === 0 ? 'warm' : 'cold', variant: `v${i}`, nBaseline: n, nCandidate: n, evidence: { paired } };
  });
}

describe('an integration comparison shows the interval that decided it', () => {
  test('over 600 random sample sets of one to three metrics: a pass lies below the tolerance, a regression above half of it', () => {
    const seen = { regression: 0, 'no-regression': 0, inconclusive: 0 };
    for (let seed = 1; seed <= 600; seed++) {
      for (const c of decideFixed(metricSet(seed), RULES)) {
        seen[c.outcome]++;
        if (c.outcome === 'no-regression') expect(c.ciHigh).toBeLessThan(LIMIT);
        if (c.outcome === 'regression') {
          expect(c.ciLow).toBeGreaterThan(MARGIN);
          expect(c.ratio).toBeGreaterThan(LIMIT);
        }
        // An inconclusive comparison shows an interval that straddles what would have decided it.
        if (c.outcome === 'inconclusive')
          expect(c.ciHigh >= LIMIT && (c.ciLow <= MARGIN || c.ratio <= LIMIT)).toBe(true);
        expect(c.confidence).toBeGreaterThan(0.9);
        expect(c.confidence).toBeLessThan(1);
      }
    }
    // The sets reach every outcome, so the checks above ran on each.
    expect(seen.regression).toBeGreaterThan(50);
    expect(seen['no-regression']).toBeGreaterThan(50);
    expect(seen.inconclusive).toBeGreaterThan(50);
  });
});
