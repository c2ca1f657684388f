import type { Architecture } from '../model/architecture.js';
import type { FunctionSpec, Strategy } from '../config/types.js';
import type { VariantPlan } from '../model/variant.js';
import type { Build, Sample } from '../model/sample.js';
import { armStats } from './arm-stats.js';
import { checkBudgets } from './budgets.js';
import { exemplarChanges } from './exemplar-changes.js';
import type { ComparisonRules } from './comparison.js';
import { recommend } from './recommend.js';
import type { SequentialPlan } from '../looks/schedule.js';
import type { Finding, IntegrationResult, Recommendation, VariantResult, Verdict } from './result.js';
import { decideSequential } from './sequential.js';
import { functionVerdict } from './verdict.js';

export interface FunctionAnalysisInput {
  readonly spec: FunctionSpec;
  readonly variants: readonly VariantPlan[];
  readonly samples: readonly Sample[];
  /**
   * Calls in no figure (a duet environment's first calls, which load both builds): their errors
   * and wrong answers still count, as every call's do.
   */
  readonly warmUps?: readonly Sample[];
  readonly plan: SequentialPlan;
  readonly rules: ComparisonRules;
  readonly region: string;
  readonly traffic: {
    readonly invocationsPerMonth: number;
    readonly coldStartRate: number;
    readonly accountGbSecondsPerMonth?: number;
  };
  /** The function's runtime where known (SnapStart is free for Java). */
  readonly runtime?: string;
  /** The function's EphemeralStorage size in MB, where the template sets one (above 512 MB it is billed). */
  readonly ephemeralStorageMb?: number;
  readonly strategy: Strategy;
  readonly balancedWeight: number;
  /** Variants the sampler stopped because a build failed every call, with why. */
  readonly stopped?: ReadonlyMap<string, string>;
  readonly integration?: IntegrationResult;
  /**
   * The local backend's host: the architecture every variant actually ran on, and where the host
   * makes the service differ from Lambda. Absent on AWS, where each variant runs on its own.
   */
  readonly host?: { readonly architecture: Architecture; readonly limitations: readonly string[] };
}

export interface FunctionAnalysis {
  readonly verdict: Verdict;
  readonly findings: readonly Finding[];
  readonly recommended: Recommendation | null;
  readonly variants: readonly VariantResult[];
}

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
    const of = (build: Build): Sample[] => samples.filter((s) => s.build === build && s.variant === variant.id);
    const costContext = {
      region: input.region,
      architecture: variant.architecture,
      memoryMb: variant.memoryMb,
      coldStartRate: input.traffic.coldStartRate,
      invocationsPerMonth: input.traffic.invocationsPerMonth,
      snapStart: variant.snapStart,
      ...(input.runtime === undefined ? {} : { runtime: input.runtime }),
      ...(input.traffic.accountGbSecondsPerMonth === undefined
        ? {}
        : { accountGbSecondsPerMonth: input.traffic.accountGbSecondsPerMonth }),
      ...(input.ephemeralStorageMb === undefined ? {} : { ephemeralStorageMb: input.ephemeralStorageMb }),
      ...(spec.managedInstances ? { managedInstances: spec.managedInstances } : {}),
    };
    const warmUpsOf = (build: Build): Sample[] =>
      (input.warmUps ?? []).filter((s) => s.build === build && s.variant === variant.id);
    const baseline = armStats(of('baseline'), costContext, warmUpsOf('baseline'));
    const candidate = armStats(of('candidate'), costContext, warmUpsOf('candidate'));
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
      costChangePercent: comparable
        ? (candidate.cost.perInvocationUsd / baseline.cost.perInvocationUsd - 1) * 100
        : null,
      ...(stopped ? { stopped } : {}),
      exemplars: exemplarChanges(
        samples.filter((s) => s.variant === variant.id),
        spec.exemplars.map((e) => e.name),
      ),
      ...(input.host && input.host.architecture !== variant.architecture
        ? { measuredOn: input.host.architecture }
        : {}),
    };
  });
  const recommendation = recommend(
    variants
      .filter((v) => !v.stopped)
      .map((v) => ({
        variant: v.id,
        stats: v.candidate,
        budgets: v.budgets,
        architecture: v.architecture,
        ...(v.measuredOn ? { measuredOn: v.measuredOn } : {}),
      })),
    input.strategy,
    input.balancedWeight,
  );
  const { verdict, findings } = functionVerdict(
    [...(input.warmUps ?? []), ...samples],
    variants,
    recommendation?.variant,
    input.rules.alpha,
    input.integration,
  );
  const recommended = input.variants.find((v) => v.id === recommendation?.variant);
  return {
    verdict,
    findings: [...findings, ...measurementNotices(variants, input.host)],
    recommended:
      recommendation && recommended
        ? {
            variant: recommendation.variant,
            memory: recommended.memoryMb,
            architecture: recommended.architecture,
            strategy: recommendation.strategy,
            why: recommendation.why,
          }
        : null,
    variants,
  };
}

/**
 * What the figures cannot show, as notices (they never change the verdict): variants timed on a
 * host of another architecture, each way the local host differs from Lambda, and prices the
 * table could not give exactly.
 */
function measurementNotices(variants: readonly VariantResult[], host: FunctionAnalysisInput['host']): Finding[] {
  const notices: Finding[] = variants.flatMap((variant): Finding[] =>
    variant.measuredOn
      ? [
          {
            kind: 'notice',
            about: 'measured-on',
            variant: variant.id,
            architecture: variant.architecture,
            host: variant.measuredOn,
          },
        ]
      : [],
  );
  for (const limitation of host?.limitations ?? [])
    notices.push({ kind: 'notice', about: 'host-limitation', text: limitation });
  const costNotes = new Set(
    variants.flatMap((v) => [...(v.baseline.cost.notes ?? []), ...(v.candidate.cost.notes ?? [])]),
  );
  for (const note of costNotes) notices.push({ kind: 'notice', about: 'price', text: note });
  return notices;
}
