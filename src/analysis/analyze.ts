import type { FunctionSpec, Strategy } from '../config/types.js';
import type { VariantPlan } from '../gate/plan.js';
import type { Sample } from '../measure/sample.js';
import type { FunctionResult, IntegrationResult, VariantResult } from '../report/model.js';
import { armStats } from './arm-stats.js';
import { checkBudgets } from './budgets.js';
import type { ComparisonRules } from './comparison.js';
import { recommend } from './recommend.js';
import { decideSequential, type SequentialPlan } from './sequential.js';
import { functionVerdict } from './verdict.js';

export interface FunctionAnalysisInput {
  readonly spec: FunctionSpec;
  readonly variants: readonly VariantPlan[];
  readonly samples: readonly Sample[];
  readonly plan: SequentialPlan;
  readonly rules: ComparisonRules;
  readonly region: string;
  readonly traffic: { readonly invocationsPerMonth: number; readonly coldStartRate: number };
  readonly strategy: Strategy;
  readonly balancedWeight: number;
  /** Variants the sampler stopped because a build failed every call, with why. */
  readonly stopped?: ReadonlyMap<string, string>;
  readonly integration?: IntegrationResult;
}

export type FunctionAnalysis = Pick<FunctionResult, 'verdict' | 'reasons' | 'recommended' | 'variants'>;

/**
 * Everything the gate concludes about one function, from its samples and the plan alone: each
 * variant's statistics, costs and budgets, the comparisons (the sequential decision replayed
 * look by look exactly as the sampler took it), the recommendation and the verdict. No I/O.
 */
export function analyzeFunction(input: FunctionAnalysisInput): FunctionAnalysis {
  const { spec, samples } = input;
  const decisions = decideSequential({
    samples,
    variants: input.variants.map((v) => v.id),
    plan: input.plan,
    rules: input.rules,
    ...(input.stopped ? { stopped: input.stopped } : {}),
  });
  const variants: VariantResult[] = input.variants.map((variant) => {
    const of = (build: 'baseline' | 'candidate'): Sample[] => samples.filter((s) => s.build === build && s.variant === variant.id);
    const costContext = {
      region: input.region,
      architecture: variant.architecture,
      memoryMb: variant.memoryMb,
      coldStartRate: input.traffic.coldStartRate,
      invocationsPerMonth: input.traffic.invocationsPerMonth,
      snapStart: variant.snapStart,
    };
    const baseline = armStats(of('baseline'), costContext);
    const candidate = armStats(of('candidate'), costContext);
    // A build that never answered has no cost to compare: a failing candidate is not "cheaper".
    const comparable = baseline.invocations > baseline.errors && candidate.invocations > candidate.errors;
    const stopped = input.stopped?.get(variant.id);
    return {
      id: variant.id,
      memoryMb: variant.memoryMb,
      architecture: variant.architecture,
      name: variant.name,
      baseline,
      candidate,
      comparisons: decisions.find((d) => d.variant === variant.id)?.comparisons ?? [],
      budgets: checkBudgets(candidate, spec.budgets),
      costChangePercent: comparable ? (candidate.cost.perInvocationUsd / baseline.cost.perInvocationUsd - 1) * 100 : null,
      ...(stopped ? { stopped } : {}),
    };
  });
  const recommendation = recommend(
    variants.filter((v) => !v.stopped).map((v) => ({ variant: v.id, stats: v.candidate, budgets: v.budgets })),
    input.strategy,
    input.balancedWeight,
  );
  const { verdict, reasons } = functionVerdict(samples, variants, recommendation?.variant, spec.tolerance, input.rules.alpha, input.integration);
  const recommended = input.variants.find((v) => v.id === recommendation?.variant);
  return {
    verdict,
    reasons,
    recommended:
      recommendation && recommended
        ? { variant: recommendation.variant, memory: recommended.memoryMb, architecture: recommended.architecture, strategy: recommendation.strategy, why: recommendation.why }
        : null,
    variants,
  };
}
