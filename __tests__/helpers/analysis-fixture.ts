import { analyzeFunction, type FunctionAnalysisInput } from '../../src/analysis/analyze.js';
import type { Architecture } from '../../src/model/architecture.js';
import type { FunctionSpec, Strategy } from '../../src/config/types.js';
import type { VariantPlan } from '../../src/model/variant.js';
import { fixtureSamples, type FixtureVariant } from './fixture-samples.js';

/** A variant of default settings at one memory size and architecture. */
export const variantPlan = (memoryMb: number, architecture: Architecture = 'x86_64'): VariantPlan => ({
  id: `${memoryMb}MB-${architecture}`,
  memoryMb,
  architecture,
  name: 'default',
  environment: {},
  snapStart: false,
});

/** A function with a 5% tolerance, one exemplar and no budgets. */
export const FIXTURE_SPEC = {
  name: 'orders',
  tolerance: 0.05,
  budgets: {},
  exemplars: [{ name: 'e', weight: 1 }],
} as unknown as FunctionSpec;

export interface AnalysisFixture {
  readonly variants: readonly VariantPlan[];
  /** What the fixture samples are made of, one timing per variant. */
  readonly timings: readonly FixtureVariant[];
  readonly environmentPairs: number;
  readonly seed: number;
  readonly strategy: Strategy;
}

/**
 * The analysis of FIXTURE_SPEC in us-east-1 on fixture samples (3% noise), with the default plan
 * and rules, a million invocations a month and 1% cold starts; `extra` replaces any input.
 */
export function analyzeFixture(
  fixture: AnalysisFixture,
  extra: Partial<FunctionAnalysisInput> = {},
): ReturnType<typeof analyzeFunction> {
  return analyzeFunction({
    spec: FIXTURE_SPEC,
    variants: fixture.variants,
    samples: fixtureSamples({
      variants: fixture.timings,
      environmentPairs: fixture.environmentPairs,
      cv: 0.03,
      seed: fixture.seed,
    }),
    plan: { pairsPerEnvironment: 5, batch: 8, maxEnvironmentPairs: 40 },
    rules: { alpha: 0.01, beta: 0.05, tolerance: 0.05 },
    region: 'us-east-1',
    traffic: { invocationsPerMonth: 1e6, coldStartRate: 0.01 },
    strategy: fixture.strategy,
    balancedWeight: 0.5,
    ...extra,
  });
}
