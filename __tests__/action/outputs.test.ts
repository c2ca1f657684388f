import { gateOutputs } from '../../src/action/outputs.js';
import { recommendedImprovedElsewhereSlower, scenarioReport } from '../helpers/report-fixture.js';

describe("the action's outputs", () => {
  test.each(['regression', 'inconclusive'] as const)(
    'cost-change-percent comes from the variant that decided the verdict (%s at 1024 MB), not the recommended one that got cheaper',
    (outcome) => {
      const outputs = gateOutputs(recommendedImprovedElsewhereSlower(outcome), '/w/lambda-perf-report.json');
      expect(outputs['cost-change-percent']).toBe('12.00');
      expect(outputs['recommended-memory']).toBe('512');
      expect(outputs.verdict).toBe(outcome === 'regression' ? 'fail' : 'inconclusive');
    },
  );

  test('a pass: every output, the cost change at the recommended variant', () => {
    expect(gateOutputs(scenarioReport('pass'), '/w/lambda-perf-report.json')).toEqual({
      verdict: 'pass',
      'recommended-memory': '512',
      recommendations: JSON.stringify({ orders: scenarioReport('pass').functions[0]!.recommended }),
      'report-path': '/w/lambda-perf-report.json',
      'cost-change-percent': '2.00',
    });
  });

  test('no cost change to quote (the candidate never answered): an empty output, not NaN', () => {
    expect(gateOutputs(scenarioReport('error'), 'r.json')['cost-change-percent']).toBe('');
  });
});
