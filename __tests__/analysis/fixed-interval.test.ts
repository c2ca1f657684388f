import { comparePaired } from '../../src/analysis/statistics.js';
import { decideFixed, type MetricComparison, type MetricSamples } from '../../src/analysis/comparison.js';
import { gaussian, seededRandom } from '../../src/random.js';

// Integration traffic is decided on a fixed sample: Holm across the metrics for a regression,
// the upper bound at beta for a pass. The interval the report shows must be the one that decided,
// as the exemplars' repeated interval is (issue 20): read back from the figures shown, the rule
// gives the outcome the report states, unless rounds judged on their own disagree.
const RULES = { alpha: 0.01, beta: 0.05, tolerance: 0.05 };
const LIMIT = 1 + RULES.tolerance;
const MARGIN = 1 + RULES.tolerance / 2;
const RATIOS = [0.97, 1, 1.025, 1.04, 1.05, 1.06, 1.08, 1.12];
type Kind = 'paired' | 'rounds' | 'unpaired';

/** The outcome the rule gives for the figures shown: the pooled interval and the estimate. */
const shownVerdict = (c: MetricComparison): MetricComparison['outcome'] =>
  c.ciLow > MARGIN && c.ratio > LIMIT ? 'regression' : c.ciHigh < LIMIT ? 'no-regression' : 'inconclusive';

function metricSet(seed: number): { metrics: MetricSamples[]; kinds: Kind[] } {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const count = 1 + Math.floor(random() * 3);
  const kinds: Kind[] = [];
  const metrics = Array.from({ length: count }, (_, i): MetricSamples => {
    const ratio = pick(RATIOS);
    const sd = pick([0.01, 0.03, 0.06, 0.12]);
    const n = pick([8, 12, 20, 40, 80]);
    const kind = pick<Kind>(['paired', 'rounds', 'unpaired']);
    kinds.push(kind);
    const base = { metric: i === 0 ? 'warm' : 'cold', variant: `v${i}`, nBaseline: n, nCandidate: n } as const;
    if (kind === 'unpaired') {
      // Whole runs one after the other: two independent samples of durations.
      const baseline = Array.from({ length: n }, () => 100 * Math.exp(sd * gaussian(random)));
      const candidate = Array.from({ length: n }, () => 100 * ratio * Math.exp(sd * gaussian(random)));
      return { ...base, evidence: { baseline, candidate } };
    }
    const paired = Array.from({ length: n }, () => Math.log(ratio) + sd * gaussian(random));
    return kind === 'rounds'
      ? { ...base, evidence: { paired }, rounds: [paired.slice(0, n / 2), paired.slice(n / 2)] }
      : { ...base, evidence: { paired } };
  });
  return { metrics, kinds };
}

describe('an integration comparison shows the interval that decided it', () => {
  test('over 1,500 random sets of one to three metrics: the figures shown give the outcome stated', () => {
    const seen = new Map<string, number>();
    const levels = [1, 2, 3].map((k) => 1 - RULES.alpha / k - RULES.beta);
    for (let seed = 1; seed <= 1500; seed++) {
      const { metrics, kinds } = metricSet(seed);
      decideFixed(metrics, RULES).forEach((c, i) => {
        seen.set(`${kinds[i]} ${c.outcome}`, (seen.get(`${kinds[i]} ${c.outcome}`) ?? 0) + 1);
        const verdict = shownVerdict(c);
        // Rounds may only hold a decision back, each round having decided otherwise on its own.
        if (c.outcome !== verdict) {
          expect(c.outcome).toBe('inconclusive');
          expect(c.rounds?.some((round) => round.outcome !== verdict)).toBe(true);
        }
        // Lower end at alpha / k for the metric's step, upper end at beta.
        expect(levels.some((level) => Math.abs(c.confidence - level) < 1e-12)).toBe(true);
      });
    }
    // Each kind of evidence reached each outcome, so every check above ran on each.
    for (const kind of ['paired', 'rounds', 'unpaired'])
      for (const outcome of ['regression', 'no-regression', 'inconclusive'])
        expect([kind, outcome, seen.get(`${kind} ${outcome}`) ?? 0]).toEqual([kind, outcome, expect.any(Number)]);
    for (const [key, count] of seen) expect([key, count > 20]).toEqual([key, true]);
    expect(seen.size).toBe(9);
  });

  test("a metric after the step where Holm stopped is shown at that step's level, where it cannot clear the margin", () => {
    // Two slowdowns, each shown above half the tolerance at 1% on its own, neither at 0.5%: Holm
    // tests the first at 0.5% and stops. Shown at 1%, the second's lower end would clear the margin
    // beside an "inconclusive".
    const margin = Math.log(MARGIN);
    const found: number[][] = [];
    for (let seed = 1; found.length < 2 && seed < 20_000; seed++) {
      const random = seededRandom(seed);
      const ratios = Array.from({ length: 30 }, () => Math.log(1.09) + 0.06 * gaussian(random));
      const shift = comparePaired(ratios);
      if (shift.estimate > Math.log(LIMIT) && shift.lowerBound(0.01) > margin && shift.lowerBound(0.005) <= margin)
        found.push(ratios);
    }
    expect(found).toHaveLength(2);
    const metric = (paired: number[], name: 'warm' | 'cold'): MetricSamples => ({
      metric: name,
      variant: 'v',
      nBaseline: 30,
      nCandidate: 30,
      evidence: { paired },
    });
    const [warm, cold] = decideFixed([metric(found[0]!, 'warm'), metric(found[1]!, 'cold')], RULES);
    for (const c of [warm!, cold!]) {
      expect(c.outcome).toBe('inconclusive');
      expect(c.ratio).toBeGreaterThan(LIMIT);
      expect(c.ciLow).toBeLessThanOrEqual(MARGIN);
      expect(c.confidence).toBeCloseTo(1 - RULES.alpha / 2 - RULES.beta, 12);
    }
    // Alone, each is a regression at the full 1%.
    expect(decideFixed([metric(found[0]!, 'warm')], RULES)[0]!.outcome).toBe('regression');
  });
});
