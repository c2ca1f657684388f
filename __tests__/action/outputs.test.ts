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
      profiles: '{}',
    });
  });

  test('profiles names the files of each function that has them; a notice or no profile names none', () => {
    const [fn] = scenarioReport('pass').functions;
    const files = {
      baseline: 'out/lambda-perf-profile-a-baseline.cpuprofile',
      candidate: 'out/lambda-perf-profile-a-candidate.cpuprofile',
    };
    const profiled = {
      backend: 'local' as const,
      statement: 'Profiled on the embedded local service.',
      variant: '512MB-x86_64',
      exemplars: [],
      samplingIntervalUs: 100,
      environmentPairs: 16,
      callsPerEnvironment: 8,
      changes: [],
    };
    const report = {
      ...scenarioReport('pass'),
      functions: [
        { ...fn!, name: 'a', profile: { ...profiled, files } },
        { ...fn!, name: 'b', profile: { notice: 'not profiled: java21' } },
        { ...fn!, name: 'c', profile: profiled },
        { ...fn!, name: 'd' },
      ],
    };
    expect(JSON.parse(gateOutputs(report, 'r.json').profiles)).toEqual({ a: files });
  });

  test('several functions: cost-change-percent comes from the one that failed, not from a passing first one', () => {
    const passing = scenarioReport('pass').functions[0]!;
    const failing = recommendedImprovedElsewhereSlower('regression');
    const report = {
      ...failing,
      functions: [
        { ...passing, name: 'first' },
        { ...failing.functions[0]!, name: 'second' },
      ],
    };
    const outputs = gateOutputs(report, 'r.json');
    expect(outputs.verdict).toBe('fail');
    expect(outputs['cost-change-percent']).toBe('12.00');
    // The recommended memory stays the first function's, as the README says.
    expect(outputs['recommended-memory']).toBe(String(passing.recommended!.memory));
  });

  test('no cost change to quote (the candidate never answered): an empty output, not NaN', () => {
    expect(gateOutputs(scenarioReport('error'), 'r.json')['cost-change-percent']).toBe('');
  });
});
