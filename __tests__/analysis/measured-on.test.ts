import type { FunctionAnalysisInput } from '../../src/analysis/analyze.js';
import { findingText } from '../../src/report/findings.js';
import type { Strategy } from '../../src/config/types.js';
import type { VariantPlan } from '../../src/model/variant.js';
import { analyzeFixture, variantPlan } from '../helpers/analysis-fixture.js';
import type { FixtureVariant } from '../helpers/fixture-samples.js';

const VARIANTS = [
  variantPlan(512, 'x86_64'),
  variantPlan(512, 'arm64'),
  variantPlan(1024, 'x86_64'),
  variantPlan(1024, 'arm64'),
];
// Timed on one host, arm64 and x86_64 run alike; arm64's lower price makes it the cheapest on paper.
const TIMINGS: FixtureVariant[] = VARIANTS.map((v) => ({
  id: v.id,
  baselineMs: v.memoryMb === 512 ? 38 : 21,
  ratio: 1,
  memorySizeMb: v.memoryMb,
}));

const analyze = (strategy: Strategy, extra: Partial<FunctionAnalysisInput> = {}, variants: VariantPlan[] = VARIANTS) =>
  analyzeFixture(
    {
      variants,
      timings: TIMINGS.filter((t) => variants.some((v) => v.id === t.id)),
      environmentPairs: 12,
      seed: 7,
      strategy,
    },
    extra,
  );

const X86_HOST = { architecture: 'x86_64' as const, limitations: [] };

describe('architecture honesty on a local host', () => {
  test('on AWS (no host) the cheapest variant is arm64, priced as arm64', () => {
    const result = analyze('cost');
    expect(result.recommended).toMatchObject({ architecture: 'arm64', memory: 512 });
    expect(result.variants.every((v) => v.measuredOn === undefined)).toBe(true);
    expect(result.findings.filter((f) => f.kind === 'notice')).toEqual([]);
  });

  test('on an x86_64 host the arm64 variants say where they were timed and are never recommended', () => {
    for (const strategy of ['cost', 'balanced', 'cheapest-within-budget'] as const) {
      const result = analyze(strategy, { host: X86_HOST });
      expect(result.recommended?.architecture).toBe('x86_64');
    }
    const result = analyze('cost', { host: X86_HOST });
    expect(result.variants.map((v) => [v.id, v.measuredOn])).toEqual([
      ['512MB-x86_64', undefined],
      ['512MB-arm64', 'x86_64'],
      ['1024MB-x86_64', undefined],
      ['1024MB-arm64', 'x86_64'],
    ]);
    const notices = result.findings.filter((f) => f.kind === 'notice');
    expect(notices).toEqual(
      ['512MB-arm64', '1024MB-arm64'].map((variant) => ({
        kind: 'notice',
        about: 'measured-on',
        variant,
        architecture: 'arm64',
        host: 'x86_64',
      })),
    );
    expect(findingText(notices[0]!, { ...result, tolerance: 0.05 })).toBe(
      "arm64 timings measured on an x86_64 host: they describe this host's CPU, not arm64 Lambda, so 512MB-arm64 is never recommended",
    );
    // A notice never changes the verdict.
    expect(result.verdict).toBe(analyze('cost').verdict);
  });

  test('with only arm64 variants on an x86_64 host there is no recommendation rather than an unmeasured one', () => {
    const armOnly = VARIANTS.filter((v) => v.architecture === 'arm64');
    const result = analyze('cost', { host: X86_HOST }, armOnly);
    expect(result.recommended).toBeNull();
    expect(result.findings.filter((f) => f.kind === 'notice')).toHaveLength(2);
  });

  test('on an arm64 host it is the x86_64 variants that are flagged', () => {
    const result = analyze('speed', { host: { architecture: 'arm64', limitations: [] } });
    expect(result.variants.filter((v) => v.measuredOn).map((v) => v.id)).toEqual(['512MB-x86_64', '1024MB-x86_64']);
    expect(result.recommended?.architecture).toBe('arm64');
  });
});

describe('host shortfalls in every report', () => {
  test('each limitation of the local host is a notice of every function, without changing the verdict', () => {
    const limitations = [
      'CPU is NOT throttled by memory (no cgroup v2 cpu controller).',
      'Environments are NOT frozen between invocations.',
    ];
    const result = analyze(
      'cost',
      { host: { architecture: 'x86_64', limitations } },
      VARIANTS.filter((v) => v.architecture === 'x86_64'),
    );
    const notices = result.findings.filter((f) => f.kind === 'notice');
    expect(notices).toEqual(limitations.map((text) => ({ kind: 'notice', about: 'host-limitation', text })));
    expect(notices.map((f) => findingText(f, { ...result, tolerance: 0.05 }))).toEqual(
      limitations.map((l) => `local host: ${l}`),
    );
    expect(result.verdict).toBe('pass');
  });
});
