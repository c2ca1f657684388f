import type { ArmStats } from '../../src/analysis/arm-stats.js';
import type { MetricComparison } from '../../src/analysis/comparison.js';
import type { GateReport, VariantResult } from '../../src/report/model.js';

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
      breakdownPerMillionUsd: { compute: costPerMillion - 0.2, requests: 0.2, coldStarts: 0.01, snapStart: 0, ephemeralStorage: 0 },
    },
  };
}

function variant(memoryMb: number, baseP50: number, ratio: number, outcome: MetricComparison['outcome']): VariantResult {
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
        environmentPairs: Array.from({ length: 8 }, (_, index) => ({ index, pairs: 5, ratio: ratio + ((index % 3) - 1) * 0.01, coldRatio: 1.1 })),
        spread: { betweenEnvironments: 0.031, withinEnvironment: 0.02 },
      },
      // Three cold starts a side cannot bound the ratio from above.
      { metric: 'cold', variant: id, nBaseline: 3, nCandidate: 3, units: 3, ratio: 1.1, ciLow: 0, ciHigh: Infinity, confidence: 0.99, pValue: 0.2, outcome: 'inconclusive' },
    ],
    budgets: [{ budget: 'warm-p90-ms', limit: 120, value: baseP50 * ratio * 1.3, unit: 'ms', ok: baseP50 * ratio * 1.3 <= 120 }],
    costChangePercent: (ratio - 1) * 100,
  };
}

/** A report as the gate writes it, with fixed figures. */
export function sampleReport(functions = 1): GateReport {
  return {
    schemaVersion: 2,
    tool: { name: 'lambda-perf-gate', version: '0.1.0' },
    startedAt: '2026-11-22T12:00:00.000Z',
    finishedAt: '2026-11-22T12:01:00.000Z',
    backend: 'local',
    region: 'us-east-1',
    verdict: 'fail',
    summary: 'orders: fail',
    environment: { cpuScaledByMemory: false, statement: 'Local Lambda service: CPU is NOT throttled by memory (no writable cgroup cpu controller was found).' },
    settings: { confidence: 0.99, passConfidence: 0.95, pairsPerEnvironment: 5, batch: 8, maxEnvironmentPairs: 40, concurrency: 2, seed: 7, strategy: 'cheapest-within-budget', invocationsPerMonth: 5e6, coldStartRate: 0.01 },
    functions: Array.from({ length: functions }, (_, i) => ({
      name: i === 0 ? 'orders' : `orders-${i}`,
      perfFunction: `lpg-orders-${i}`,
      verdict: 'fail' as const,
      reasons: [{ kind: 'regression' as const, variant: '256MB-x86_64', message: '256MB-x86_64: warm duration +23.4% (99% CI +13.4% to +34.4%, p<0.0001, n=40/40) exceeds the 5% tolerance' }],
      recommended: { variant: '512MB-x86_64', memory: 512, architecture: 'x86_64' as const, strategy: 'cheapest-within-budget' as const, why: 'cheapest within the latency budgets at $0.86 per million' },
      variants: [variant(256, 122, 1.234, 'regression'), variant(512, 60, 1.02, 'no-regression'), variant(1024, 29, 1.03, 'no-regression')],
      invocations: { total: 258, baseline: 129, candidate: 129, retries: 2, costUsd: 0.0003 },
      cpuScaledByMemory: false,
      tolerance: 0.05,
      exemplars: [{ name: 'small-order', weight: 3 }],
    })),
  };
}
