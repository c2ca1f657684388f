import type { Finding } from '../../src/analysis/result.js';
import { findingText, reportedFindings, type FindingContext } from '../../src/report/findings.js';
import { commandFinding, errorsFinding } from '../helpers/findings.js';
import { sampleReport } from '../helpers/report-fixture.js';

const fn = sampleReport().functions[0]!;
const v256 = fn.variants[0]!;
// Integration traffic is compared invocation by invocation, not by environment pairs.
const warm = { ...v256.comparisons[0]! };
delete warm.environmentPairs;
const integration: NonNullable<FindingContext['integration']> = {
  command: 'npm test',
  variant: v256.id,
  mode: 'sequential',
  runs: [],
  baseline: v256.baseline,
  candidate: v256.candidate,
  comparisons: [{ ...warm, nBaseline: 60, nCandidate: 61, confidence: 0.94 }],
  budgets: [],
};
const context: FindingContext = { variants: fn.variants, tolerance: 0.05, integration };

/** One finding of every subject the analysis reports, and the sentence each is said in. */
const SAID: readonly [Finding, string][] = [
  [
    { kind: 'regression', about: 'comparison', traffic: 'exemplars', variant: v256.id, metric: 'warm' },
    '256MB-x86_64: warm duration +23.4% (99% CI +15.4% to +32.4%, p<0.0001, 8 environment pairs, 40 warm pairs) exceeds the 5% tolerance',
  ],
  [
    { kind: 'inconclusive', about: 'comparison', traffic: 'exemplars', variant: v256.id, metric: 'cold' },
    '256MB-x86_64: cold start +10.0% (too few to bound, p=0.2000, n=3/3); neither a regression nor its absence (within 5%) could be shown',
  ],
  [
    { kind: 'regression', about: 'comparison', traffic: 'integration', variant: v256.id, metric: 'warm' },
    'integration traffic at 256MB-x86_64: warm duration +23.4% (94% CI +15.4% to +32.4%, p<0.0001, n=60/61) (compared run by run) exceeds the 5% tolerance',
  ],
  [
    {
      kind: 'budget',
      about: 'budget',
      traffic: 'exemplars',
      variant: v256.id,
      check: { budget: 'warm-p90-ms', limit: 30, value: 38.14, unit: 'ms', ok: false },
      noVariantMeetsIt: true,
    },
    '256MB-x86_64: warm-p90-ms is 38.1 ms, over the budget of 30 ms (no variant meets it); the baseline already exceeds it (158.6 ms)',
  ],
  [
    {
      kind: 'budget',
      about: 'budget',
      traffic: 'integration',
      variant: v256.id,
      check: { budget: 'cold-p90-ms', limit: 300, value: Number.NaN, unit: 'ms', ok: false },
      noVariantMeetsIt: false,
    },
    'integration traffic at 256MB-x86_64: cold-p90-ms is not measured, over the budget of 300 ms',
  ],
  [
    {
      kind: 'wrong-answer',
      about: 'wrong-answers',
      exemplar: 'two',
      build: 'candidate',
      wrong: 2,
      calls: 9,
      example: 'answer: expected 2, got 3',
    },
    'exemplar two: the candidate answered 2 of 9 invocations wrongly (answer: expected 2, got 3)',
  ],
  [
    {
      kind: 'baseline-error',
      about: 'wrong-answers',
      exemplar: 'two',
      build: 'baseline',
      wrong: 9,
      calls: 9,
      example: 'statusCode: expected 200, got 500',
    },
    'exemplar two: the baseline also answered 9 of 9 invocations wrongly (statusCode: expected 200, got 500); check the exemplar',
  ],
  [
    errorsFinding('wrong-answer', 'Sandbox.Timedout', [6, 6], [0, 6]),
    'exemplar six: the candidate failed 6 of 6 invocations, the baseline 0 of 6 (Sandbox.Timedout)',
  ],
  [
    errorsFinding('baseline-error', 'Runtime.ExitError', [0, 40], [2, 40]),
    'exemplar six: the baseline failed 2 of 40 invocations (Runtime.ExitError); check the exemplar',
  ],
  [
    errorsFinding('notice', 'Runtime.ExitError', [2, 40], [3, 40]),
    'exemplar six: the candidate failed 2 of 40 invocations, the baseline 3 of 40 (Runtime.ExitError): both builds alike, so taken for platform noise, not a finding',
  ],
  [
    errorsFinding('notice', 'Runtime.ExitError', [1, 40], [0, 40]),
    'exemplar six: the candidate failed 1 of 40 invocations, the baseline 0 of 40 (Runtime.ExitError): too few to tell from chance; a rerun shows whether it persists',
  ],
  [
    {
      kind: 'wrong-answer',
      about: 'never-runs',
      exemplar: 'two',
      candidate: {
        failed: 6,
        calls: 6,
        errorType: 'Runtime.HandlerNotFound',
        errorMessage: 'index.handle is undefined or not exported',
      },
      baseline: {
        failed: 6,
        calls: 6,
        errorType: 'Runtime.HandlerNotFound',
        errorMessage: 'index.handle is undefined or not exported',
      },
    },
    'exemplar two: both builds fail every call (the candidate 6 of 6, the baseline 6 of 6): Runtime.HandlerNotFound: index.handle is undefined or not exported',
  ],
  [
    {
      kind: 'wrong-answer',
      about: 'never-runs',
      exemplar: 'two',
      candidate: { failed: 6, calls: 6, errorType: 'Sandbox.Timedout' },
      baseline: {
        failed: 6,
        calls: 6,
        errorType: 'Runtime.ImportModuleError',
        errorMessage: "Error: Cannot find module 'main'",
      },
    },
    "exemplar two: both builds fail every call (the candidate 6 of 6, the baseline 6 of 6): the candidate with Sandbox.Timedout; the baseline with Runtime.ImportModuleError: Error: Cannot find module 'main'",
  ],
  [
    commandFinding({ outputTail: 'FAIL orders.test.js\n1 failing' }),
    'integration command "npm test" exited with 1 against the candidate; last output:\nFAIL orders.test.js\n1 failing',
  ],
  [
    commandFinding({ kind: 'baseline-error', build: 'baseline', exitCode: null, signal: 'SIGKILL' }),
    'integration command "npm test" was killed (SIGKILL) against the baseline',
  ],
  [
    commandFinding({ exitCode: null, signal: 'SIGTERM', timedOut: true }),
    'integration command "npm test" timed out against the candidate',
  ],
  [
    { kind: 'notice', about: 'integration-incomplete', build: 'candidate', invocations: 38, starts: 40 },
    'integration traffic (candidate): 38 REPORT lines of 40 started invocations arrived within the log wait; figures may be short',
  ],
  [
    { kind: 'notice', about: 'measured-on', variant: '512MB-arm64', architecture: 'arm64', host: 'x86_64' },
    "arm64 timings measured on an x86_64 host: they describe this host's CPU, not arm64 Lambda, so 512MB-arm64 is never recommended",
  ],
  [
    { kind: 'notice', about: 'cold-not-shown', variants: [v256.id, '4096MB-x86_64'] },
    'cold start: not enough evidence at 256MB-x86_64 (+10.0%, too few to bound, 3 environment pairs), 4096MB-x86_64 (no clean cold starts to compare): neither slower nor within 5% was shown, so the verdict there covers warm duration only',
  ],
  [
    { kind: 'notice', about: 'host-limitation', text: 'Environments are NOT frozen between invocations.' },
    'local host: Environments are NOT frozen between invocations.',
  ],
  [
    { kind: 'notice', about: 'price', text: 'eu-west-1 has only its first tier in the table' },
    'price: eu-west-1 has only its first tier in the table',
  ],
];

describe('findings are data; the report puts them into words', () => {
  test.each(SAID.map(([finding, text]) => [`${finding.kind} about ${finding.about}`, finding, text] as const))(
    '%s',
    (_name, finding, text) => {
      expect(findingText(finding, context)).toBe(text);
    },
  );

  test('every subject a finding can have is said above', () => {
    // The union's subjects, spelled out: a new one fails to compile in findingText (assertNever) and fails here.
    const subjects: Record<Finding['about'], true> = {
      comparison: true,
      budget: true,
      'wrong-answers': true,
      errors: true,
      'never-runs': true,
      'integration-command': true,
      'integration-incomplete': true,
      'measured-on': true,
      'cold-not-shown': true,
      'host-limitation': true,
      price: true,
    };
    expect(new Set(SAID.map(([f]) => f.about))).toEqual(new Set(Object.keys(subjects)));
  });

  test('a reason keeps the finding whole and adds its sentence', () => {
    const [finding, text] = SAID[0]!;
    expect(reportedFindings([finding], context)).toEqual([{ ...finding, message: text }]);
  });

  test('a comparison the report does not hold is said as missing, not invented', () => {
    const finding: Finding = {
      kind: 'regression',
      about: 'comparison',
      traffic: 'exemplars',
      variant: '4096MB-x86_64',
      metric: 'warm',
    };
    expect(findingText(finding, context)).toBe(
      '4096MB-x86_64: warm (no comparison in the report) exceeds the 5% tolerance',
    );
  });
});

describe('a blown budget', () => {
  const budgetFinding = (limit: number): Finding => ({
    kind: 'budget',
    about: 'budget',
    traffic: 'exemplars',
    variant: v256.id,
    check: { budget: 'warm-p90-ms', limit, value: v256.candidate.warm.p90, unit: 'ms', ok: false },
    noVariantMeetsIt: false,
  });
  const baselineP90 = v256.baseline.warm.p90;

  test('says when the baseline already exceeds it, with the baseline figure', () => {
    expect(findingText(budgetFinding(baselineP90 / 2), context)).toMatch(
      new RegExp(`; the baseline already exceeds it \\(${baselineP90.toFixed(1)} ms\\)$`),
    );
  });

  test('says nothing of the baseline when the baseline met it', () => {
    expect(findingText(budgetFinding(baselineP90 * 1.01), context)).not.toContain('baseline');
  });
});

describe('an interval bounded on one side only', () => {
  test('a cold start with an upper end but no lower one says the end it has', () => {
    const [cold] = v256.comparisons.filter((c) => c.metric === 'cold');
    const oneSided = { ...cold!, ratio: 1.1, ciLow: 0, ciHigh: 1.4, confidence: 0.945, repeated: true as const };
    const variant = { ...v256, comparisons: [v256.comparisons[0]!, oneSided] };
    const [finding] = reportedFindings([{ kind: 'notice', about: 'cold-not-shown', variants: [v256.id] }], {
      variants: [variant],
      tolerance: 0.05,
    });
    expect(finding!.message).toContain('256MB-x86_64 (+10.0%, 94.5% repeated CI below +40.0%, 3 environment pairs)');
  });

  test('a regression with a lower end but no upper one says the end it has', () => {
    const oneSided = { ...v256.comparisons[0]!, ciHigh: Infinity, confidence: 0.945, repeated: true as const };
    const variant = { ...v256, comparisons: [oneSided] };
    const [finding] = reportedFindings(
      [{ kind: 'regression', about: 'comparison', traffic: 'exemplars', variant: v256.id, metric: 'warm' }],
      { variants: [variant], tolerance: 0.05 },
    );
    expect(finding!.message).toContain('warm duration +23.4% (94.5% repeated CI above +15.4%, p<0.0001');
  });
});
