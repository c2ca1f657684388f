import type { ArmStats } from '../../src/analysis/arm-stats.js';
import type { MetricComparison } from '../../src/analysis/comparison.js';
import type { VariantResult } from '../../src/analysis/result.js';
import { reportedFindings } from '../../src/report/findings.js';
import type { GateReport, ReportedFinding } from '../../src/result/model.js';

const dist = (p50: number, n = 40) => ({ n, p50, p90: p50 * 1.3, p99: p50 * 1.6, mean: p50 * 1.1 });

function arm(warmP50: number, costPerMillion: number): ArmStats {
  return {
    warm: dist(warmP50),
    cold: dist(warmP50 * 8, 3),
    init: dist(warmP50 * 6, 3),
    maxMemoryUsedMb: 63,
    memorySizeMb: 512,
    invocations: 43,
    errors: 0,
    wrongAnswers: 0,
    warmBilledMsMean: warmP50 * 1.1,
    coldBilledMsMean: warmP50 * 9,
    cost: {
      perInvocationUsd: costPerMillion / 1e6,
      perMillionUsd: costPerMillion,
      monthlyUsd: costPerMillion * 5,
      pricePerGbSecond: 0.0000166667,
      breakdownPerMillionUsd: {
        compute: costPerMillion - 0.2,
        requests: 0.2,
        coldStarts: 0.01,
        snapStart: 0,
        ephemeralStorage: 0,
      },
    },
  };
}

function variant(
  memoryMb: number,
  baseP50: number,
  ratio: number,
  outcome: MetricComparison['outcome'],
): VariantResult {
  const id = `${memoryMb}MB-x86_64`;
  return {
    id,
    memoryMb,
    architecture: 'x86_64',
    name: 'default',
    baseline: arm(baseP50, 0.75),
    candidate: arm(baseP50 * ratio, 0.75 * ratio),
    comparisons: [
      {
        metric: 'warm',
        variant: id,
        nBaseline: 40,
        nCandidate: 40,
        units: 8,
        ratio,
        ciLow: ratio - 0.08,
        ciHigh: ratio + 0.09,
        confidence: 0.99,
        pValue: 0.00001,
        outcome,
        look: 1,
        environmentPairs: Array.from({ length: 8 }, (_, index) => ({
          index,
          pairs: 5,
          ratio: ratio + ((index % 3) - 1) * 0.01,
          coldRatio: 1.1,
        })),
        spread: { betweenEnvironments: 0.031, withinEnvironment: 0.02 },
      },
      // Three cold starts a side cannot bound the ratio from above.
      {
        metric: 'cold',
        variant: id,
        nBaseline: 3,
        nCandidate: 3,
        units: 3,
        ratio: 1.1,
        ciLow: 0,
        ciHigh: Infinity,
        confidence: 0.99,
        pValue: 0.2,
        outcome: 'inconclusive',
      },
    ],
    budgets: [
      { budget: 'warm-p90-ms', limit: 120, value: baseP50 * ratio * 1.3, unit: 'ms', ok: baseP50 * ratio * 1.3 <= 120 },
    ],
    costChangePercent: (ratio - 1) * 100,
    // Three small orders to one large one; the large order carries most of a change.
    exemplars: [
      { exemplar: 'small-order', weight: 0.9, change: 0.6, pairs: 30 },
      { exemplar: 'large-order', weight: 1.3, change: 2.2, pairs: 10 },
    ].map(({ exemplar, weight, change, pairs }) => {
      const exemplarRatio = 1 + (ratio - 1) * change;
      return {
        exemplar,
        pairs,
        baselineP50: baseP50 * weight,
        candidateP50: baseP50 * weight * exemplarRatio,
        ratio: exemplarRatio,
      };
    }),
  };
}

/** A report as the gate writes it, with fixed figures. */
export function sampleReport(functions = 1): GateReport {
  return {
    schemaVersion: 5,
    tool: { name: 'lambda-perf-gate', version: '0.1.0' },
    startedAt: '2026-11-22T12:00:00.000Z',
    finishedAt: '2026-11-22T12:01:00.000Z',
    backend: 'local',
    region: 'us-east-1',
    verdict: 'fail',
    summary: 'orders: fail',
    platform: {
      cpuScaledByMemory: false,
      statement: 'Local Lambda service: CPU is NOT throttled by memory (no writable cgroup cpu controller was found).',
    },
    settings: {
      confidence: 0.99,
      passConfidence: 0.95,
      pairsPerEnvironment: 5,
      batch: 8,
      maxEnvironmentPairs: 40,
      concurrency: 2,
      seed: 7,
      strategy: 'cheapest-within-budget',
      invocationsPerMonth: 5e6,
      trafficSource: 'config',
      coldStartRate: 0.01,
    },
    functions: Array.from({ length: functions }, (_, i) => ({
      name: i === 0 ? 'orders' : `orders-${i}`,
      perfFunction: `lpg-orders-${i}`,
      verdict: 'fail' as const,
      findings: [
        {
          kind: 'regression' as const,
          about: 'comparison' as const,
          traffic: 'exemplars' as const,
          variant: '256MB-x86_64',
          metric: 'warm' as const,
          message:
            '256MB-x86_64: warm duration +23.4% (99% CI +13.4% to +34.4%, p<0.0001, n=40/40) exceeds the 5% tolerance',
        },
      ],
      recommended: {
        variant: '512MB-x86_64',
        memory: 512,
        architecture: 'x86_64' as const,
        strategy: 'cheapest-within-budget' as const,
        why: 'cheapest within the latency budgets at $0.86 per million',
      },
      variants: [
        variant(256, 122, 1.234, 'regression'),
        variant(512, 60, 1.02, 'no-regression'),
        variant(1024, 29, 1.03, 'no-regression'),
      ],
      invocations: { total: 258, baseline: 129, candidate: 129, retries: 2, costUsd: 0.0003 },
      cpuScaledByMemory: false,
      tolerance: 0.05,
      exemplars: [
        { name: 'small-order', weight: 3 },
        { name: 'large-order', weight: 1 },
      ],
    })),
  };
}

const PASSING = (id: string, ratio: number): MetricComparison[] => [
  {
    metric: 'warm',
    variant: id,
    nBaseline: 40,
    nCandidate: 40,
    units: 8,
    ratio,
    ciLow: ratio - 0.03,
    ciHigh: ratio + 0.03,
    confidence: 0.99,
    pValue: 0.4,
    outcome: 'no-regression',
    look: 1,
    spread: { betweenEnvironments: 0.02, withinEnvironment: 0.015 },
  },
  {
    metric: 'cold',
    variant: id,
    nBaseline: 8,
    nCandidate: 8,
    units: 8,
    ratio: 1,
    ciLow: 0.9,
    ciHigh: 1.12,
    confidence: 0.99,
    pValue: 0.5,
    outcome: 'no-regression',
  },
];

function withComparisons(v: VariantResult, comparisons: MetricComparison[]): VariantResult {
  return { ...v, comparisons };
}

/** A local host's shortfall, as every function of a report on the local service shows it. */
export const HOST_NOTICE: ReportedFinding = reportedFindings(
  [{ kind: 'notice', about: 'host-limitation', text: '2 CPUs; 4 environment pairs ran at once where 8 were asked' }],
  { variants: [], tolerance: 0.05 },
)[0]!;

/** The commits and the run, as the action records them. */
export const CONTEXT = {
  head: { sha: '0123456789abcdef0123456789abcdef01234567', ref: 'faster-orders' },
  base: { sha: 'fedcba9876543210fedcba9876543210fedcba98', ref: 'main' },
  runUrl: 'https://github.com/acme/orders/actions/runs/4242',
} as const;

export type Scenario = 'pass' | 'fail' | 'inconclusive' | 'budget-only' | 'error' | 'several-functions';

/** A report for each kind of outcome the comment must read well in, with fixed figures. */
export function scenarioReport(scenario: Scenario): GateReport {
  const base = { ...sampleReport(), context: CONTEXT };
  const fn = base.functions[0]!;
  const [v256, v512, v1024] = fn.variants as [VariantResult, VariantResult, VariantResult];
  const onAws = {
    backend: 'aws' as const,
    platform: { cpuScaledByMemory: true, statement: 'Measured on AWS Lambda, where CPU scales with memory.' },
  };
  const passing: typeof fn = {
    ...fn,
    verdict: 'pass',
    findings: [],
    variants: [
      withComparisons({ ...v256, budgets: [{ ...v256.budgets[0]!, ok: true, limit: 400 }] }, PASSING(v256.id, 0.99)),
      withComparisons(v512, PASSING(v512.id, 1.01)),
      withComparisons(v1024, PASSING(v1024.id, 1.0)),
    ],
  };
  switch (scenario) {
    case 'pass':
      return { ...base, ...onAws, verdict: 'pass', summary: 'orders: pass', functions: [passing] };
    case 'fail':
      return {
        ...base,
        functions: [
          {
            ...fn,
            findings: [...fn.findings, HOST_NOTICE],
          },
        ],
      };
    case 'inconclusive': {
      const wide: MetricComparison = {
        ...PASSING(v512.id, 1.04)[0]!,
        ciLow: 0.97,
        ciHigh: 1.12,
        pValue: 0.08,
        outcome: 'inconclusive',
        units: 40,
        reason:
          'environments differ by 9.0% (sd); about 60 more environment pairs, or a tolerance of 12%, would decide',
      };
      return {
        ...base,
        verdict: 'inconclusive',
        summary: 'orders: inconclusive',
        functions: [
          {
            ...passing,
            verdict: 'inconclusive',
            findings: [
              {
                kind: 'inconclusive',
                about: 'comparison',
                traffic: 'exemplars',
                variant: v512.id,
                metric: 'warm',
                message: `${v512.id}: warm duration +4.0% (99% CI -3.0% to +12.0%, p=0.0800, 40 environment pairs, 200 warm pairs); neither a regression nor its absence (within 5%) could be shown: ${wide.reason!}`,
              },
            ],
            variants: [
              passing.variants[0]!,
              withComparisons(v512, [wide, PASSING(v512.id, 1)[1]!]),
              passing.variants[2]!,
            ],
          },
        ],
      };
    }
    case 'budget-only':
      return {
        ...base,
        ...onAws,
        summary: 'orders: fail',
        functions: [
          {
            ...passing,
            verdict: 'fail',
            recommended: {
              ...fn.recommended!,
              variant: v1024.id,
              memory: 1024,
              why: 'fastest; no variant meets the latency budgets',
            },
            findings: [
              {
                kind: 'budget',
                about: 'budget',
                traffic: 'exemplars',
                variant: v1024.id,
                check: { budget: 'warm-p90-ms', limit: 30, value: 38.1, unit: 'ms', ok: false },
                noVariantMeetsIt: true,
                message: `${v1024.id}: warm-p90-ms is 38.1 ms, over the budget of 30 ms (no variant meets it)`,
              },
            ],
            variants: passing.variants.map((v) => ({
              ...v,
              budgets: [
                { budget: 'warm-p90-ms', limit: 30, value: v.candidate.warm.p90, unit: 'ms' as const, ok: false },
              ],
            })),
          },
        ],
      };
    case 'error': {
      const silent = { n: 0, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, mean: Number.NaN };
      const broken = (v: VariantResult): VariantResult => ({
        ...v,
        candidate: {
          ...v.candidate,
          warm: silent,
          cold: silent,
          init: silent,
          errors: 3,
          cost: {
            ...v.candidate.cost,
            perMillionUsd: Number.NaN,
            monthlyUsd: Number.NaN,
            perInvocationUsd: Number.NaN,
          },
        },
        comparisons: [
          {
            metric: 'warm',
            variant: v.id,
            nBaseline: 5,
            nCandidate: 0,
            units: 0,
            ratio: Number.NaN,
            ciLow: 0,
            ciHigh: Infinity,
            confidence: 0.99,
            pValue: Number.NaN,
            outcome: 'inconclusive',
          },
        ],
        budgets: [],
        costChangePercent: null,
        stopped: 'the candidate failed every invocation',
        exemplars: v.exemplars!.map((e) => ({ ...e, pairs: 0, candidateP50: Number.NaN, ratio: Number.NaN })),
      });
      return {
        ...base,
        summary: 'orders: fail',
        functions: [
          {
            ...fn,
            findings: [
              {
                kind: 'wrong-answer',
                about: 'errors',
                exemplar: 'small-order',
                errorType: 'Runtime.ImportModuleError',
                candidate: { failed: 3, calls: 3 },
                baseline: { failed: 0, calls: 3 },
                message: 'exemplar small-order: the candidate failed 3 of 3 invocations (Runtime.ImportModuleError)',
              },
            ],
            recommended: null,
            variants: [broken(v256), broken(v512), broken(v1024)],
          },
        ],
      };
    }
    case 'several-functions': {
      const inconclusive = scenarioReport('inconclusive').functions[0]!;
      return {
        ...base,
        summary: 'orders: fail; payments: pass; search: inconclusive',
        functions: [
          fn,
          { ...passing, name: 'payments', perfFunction: 'lpg-payments-0' },
          { ...inconclusive, name: 'search', perfFunction: 'lpg-search-0' },
        ],
      };
    }
  }
}

/**
 * The recommended 512 MB got 10% faster and cheaper, while 1024 MB got 12% slower: a regression
 * (verdict fail) or, with a wider interval, inconclusive (issue 21: the headline quoted 512 MB).
 */
export function recommendedImprovedElsewhereSlower(outcome: 'regression' | 'inconclusive'): GateReport {
  const base = scenarioReport('pass');
  const fn = base.functions[0]!;
  const [v256, v512, v1024] = fn.variants as [VariantResult, VariantResult, VariantResult];
  const changed = (v: VariantResult, ratio: number, comparison: Partial<MetricComparison>): VariantResult => ({
    ...v,
    candidate: arm(v.baseline.warm.p50 * ratio, 0.75 * ratio),
    comparisons: [
      { ...v.comparisons[0]!, ratio, ciLow: ratio - 0.05, ciHigh: ratio + 0.05, ...comparison },
      v.comparisons[1]!,
    ],
    costChangePercent: (ratio - 1) * 100,
  });
  const slower = changed(
    v1024,
    1.12,
    outcome === 'regression' ? { outcome, pValue: 0.0001 } : { outcome, ciLow: 0.98, ciHigh: 1.3, pValue: 0.03 },
  );
  const verdict = outcome === 'regression' ? 'fail' : 'inconclusive';
  const findings = reportedFindings(
    [{ kind: outcome, about: 'comparison', traffic: 'exemplars', variant: slower.id, metric: 'warm' }],
    { variants: [v256, v512, slower], tolerance: 0.05 },
  );
  return {
    ...base,
    verdict,
    summary: `orders: ${verdict}`,
    functions: [
      {
        ...fn,
        verdict,
        findings,
        variants: [v256, changed(v512, 0.9, { outcome: 'no-regression', pValue: 0.99 }), slower],
      },
    ],
  };
}

/**
 * The sample report whose function also ran its integration tests at 256 MB, where they showed
 * the regression too (concurrent runs, two rounds).
 */
export function withIntegrationRegression(): GateReport {
  const base = sampleReport();
  const fn = base.functions[0]!;
  const v256 = fn.variants[0]!;
  // Integration traffic is compared call by call in rounds, not by environment pairs.
  const warm = { ...v256.comparisons[0]! };
  delete warm.environmentPairs;
  delete warm.spread;
  const integration = {
    command: 'npm run test:integration',
    variant: v256.id,
    mode: 'concurrent' as const,
    runs: [],
    baseline: v256.baseline,
    candidate: v256.candidate,
    comparisons: [
      {
        ...warm,
        nBaseline: 69,
        nCandidate: 69,
        // The interval that decided a lone warm metric: its lower end at 1%, its upper at 5%.
        confidence: 0.94,
        rounds: [
          { pairs: 34, ratio: 1.3, pValue: 0.00001, outcome: 'regression' as const },
          { pairs: 35, ratio: 1.35, pValue: 0.00001, outcome: 'regression' as const },
        ],
      },
    ],
    budgets: [],
  };
  const [finding] = reportedFindings(
    [{ kind: 'regression', about: 'comparison', traffic: 'integration', variant: v256.id, metric: 'warm' }],
    { variants: fn.variants, tolerance: fn.tolerance, integration },
  );
  return { ...base, functions: [{ ...fn, findings: [...fn.findings, finding!], integration }] };
}
