import { acceptRegressions } from '../../src/action/accepted-regression.js';
import { failingFindings } from '../../src/result/fail-on.js';
import type { Finding } from '../../src/analysis/result.js';
import { reportedFindings } from '../../src/report/findings.js';
import type { GateReport, ReportedFinding } from '../../src/result/model.js';
import { sampleReport } from '../helpers/report-fixture.js';
import { commandFinding } from '../helpers/findings.js';

const LABEL = 'perf-regression-accepted';
const FUNCTION = sampleReport(2).functions[0]!;
const said = (finding: Finding): ReportedFinding => reportedFindings([finding], FUNCTION)[0]!;
const regression = said({
  kind: 'regression',
  about: 'comparison',
  traffic: 'exemplars',
  variant: '256MB-x86_64',
  metric: 'warm',
});
/** A finding of each kind the label does not accept. */
const OTHERS = {
  budget: said({
    kind: 'budget',
    about: 'budget',
    traffic: 'exemplars',
    variant: '512MB-x86_64',
    check: { budget: 'warm-p90-ms', limit: 30, value: 38.1, unit: 'ms', ok: false },
    noVariantMeetsIt: false,
  }),
  'wrong-answer': said({
    kind: 'wrong-answer',
    about: 'wrong-answers',
    exemplar: 'small-order',
    build: 'candidate',
    wrong: 2,
    calls: 6,
    example: 'answer: expected 2, got 3',
  }),
  'test-failure': said(commandFinding({ outputTail: '1 failing' })),
  inconclusive: said({
    kind: 'inconclusive',
    about: 'comparison',
    traffic: 'exemplars',
    variant: '512MB-x86_64',
    metric: 'warm',
  }),
} as const;

/** The sample report with the first function's findings replaced. */
function withFindings(...findings: ReportedFinding[]): GateReport {
  const report = sampleReport(2);
  const [first, second] = report.functions;
  return {
    ...report,
    verdict: 'fail',
    functions: [
      { ...first!, verdict: 'fail', findings },
      { ...second!, verdict: 'pass', findings: [] },
    ],
  };
}

describe('a pull request labelled as an intended regression', () => {
  test('a regression becomes a pass with a notice that names the label and keeps the finding', () => {
    const report = withFindings(regression);
    const accepted = acceptRegressions(report, LABEL);
    expect(accepted.verdict).toBe('pass');
    expect(accepted.functions[0]!.verdict).toBe('pass');
    expect(regression.message).toMatch(/^256MB-x86_64: warm duration \+23\.4% .* exceeds the 5% tolerance$/);
    expect(accepted.functions[0]!.findings).toEqual([
      {
        kind: 'notice',
        about: 'accepted-regression',
        label: LABEL,
        variant: '256MB-x86_64',
        accepted: regression,
        message: `regression accepted by label "${LABEL}": ${regression.message}`,
      },
    ]);
    expect(accepted.summary).toBe('orders: pass, recommended 512 MB (1 finding); orders-1: pass, recommended 512 MB');
    expect(failingFindings(accepted, ['regression', 'budget', 'inconclusive', 'error'])).toEqual([]);
    // The figures stay: the comment still shows how much slower it got.
    expect(accepted.functions[0]!.variants).toEqual(report.functions[0]!.variants);
    expect(accepted.functions[0]!.variants[0]!.comparisons[0]).toMatchObject({
      metric: 'warm',
      outcome: 'regression',
      ratio: 1.234,
    });
  });

  test('a blown budget, a wrong answer or a failing test still fails', () => {
    for (const kind of ['budget', 'wrong-answer', 'test-failure'] as const) {
      const accepted = acceptRegressions(withFindings(regression, OTHERS[kind]), LABEL);
      expect(`${kind}: ${accepted.verdict}`).toBe(`${kind}: fail`);
      expect(failingFindings(accepted, ['regression', 'budget', 'error']).map((r) => r.kind)).toEqual([kind]);
    }
  });

  test('an inconclusive finding beside the accepted regression leaves the verdict inconclusive', () => {
    const accepted = acceptRegressions(withFindings(regression, OTHERS.inconclusive), LABEL);
    expect(accepted.verdict).toBe('inconclusive');
  });

  test('a report without a regression is returned as it was', () => {
    const report = withFindings(OTHERS.budget);
    expect(acceptRegressions(report, LABEL)).toBe(report);
  });
});
