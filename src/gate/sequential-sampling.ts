import type { ComparisonRules, MetricComparison } from '../analysis/comparison.js';
import { decideSequential, type VariantDecision } from '../analysis/sequential.js';
import { environmentPairsAtLook, lookFractions, type SequentialPlan } from '../looks/schedule.js';
import type { EnvironmentPairTarget, Sampler } from '../measure/sampler.js';
import type { VariantPlan } from '../model/variant.js';
import { intervalEnds, signedPercent } from '../report/format.js';

/** Fresh versions for environment pairs `from` to `to` (excluded) of each variant given. */
export interface EnvironmentPairSource {
  publish(variants: readonly VariantPlan[], from: number, to: number): Promise<EnvironmentPairTarget[]>;
  /** Stops a batch no longer needed. */
  cancel(): void;
}

export interface SequentialSamplingInput {
  /** The function's name, for progress lines. */
  readonly name: string;
  readonly variants: readonly VariantPlan[];
  readonly plan: SequentialPlan;
  readonly rules: ComparisonRules;
  readonly sampler: Sampler;
  readonly source: EnvironmentPairSource;
  readonly progress: (line: string) => void;
}

export interface SequentialSampling {
  /** The variants stopped for failing, with why. */
  readonly stopped: Map<string, string>;
  /** What the sampler decided for each variant when it closed it (or at its last look). */
  readonly decisions: readonly VariantDecision[];
}

/**
 * Adds environment pairs look by look, each variant until its warm comparison is decided, a
 * build of it fails every call, or the cap; the next batch is published while one is measured.
 */
export async function measureSequentially(input: SequentialSamplingInput): Promise<SequentialSampling> {
  const { plan, rules, sampler, source, progress } = input;
  const looks = lookFractions(plan).length;
  const stopped = new Map<string, string>();
  const last = new Map<string, VariantDecision>();
  let open = [...input.variants];
  let next: Promise<EnvironmentPairTarget[]> | undefined = source.publish(open, 0, environmentPairsAtLook(plan, 1));
  try {
    for (let look = 1; look <= looks && open.length; look++) {
      const targets = await next!;
      next =
        look < looks
          ? source.publish(open, environmentPairsAtLook(plan, look), environmentPairsAtLook(plan, look + 1))
          : undefined;
      // A guard against an unhandled rejection while this look measures; the next look awaits it.
      next?.catch(() => undefined);
      await sampler.environmentPairs(targets.filter((t) => open.some((v) => v.id === t.variant.id)));
      for (const variant of open) {
        const failing = sampler.failing(variant.id);
        if (failing) stopped.set(variant.id, failing);
      }
      // All variants, as the analysis replays them: the share of alpha must not grow as they close.
      const decisions = decideSequential({
        samples: sampler.samples,
        variants: input.variants.map((v) => v.id),
        plan,
        rules,
        stopped,
      }).filter((d) => open.some((v) => v.id === d.variant));
      for (const decision of decisions) last.set(decision.variant, decision);
      open = open.filter((v) => decisions.find((d) => d.variant === v.id)?.open);
      progress(
        `${input.name}: look ${look} of ${looks}, ${environmentPairsAtLook(plan, look)} environment pairs per variant: ` +
          decisions
            .map(({ variant, comparisons }) => `${variant} ${lookLine(comparisons[0], stopped.get(variant))}`)
            .join('; '),
      );
    }
  } finally {
    source.cancel();
    await next?.catch(() => undefined);
  }
  return { stopped, decisions: input.variants.flatMap((v) => last.get(v.id) ?? []) };
}

function lookLine(warm: MetricComparison | undefined, stopped: string | undefined): string {
  if (stopped) return stopped;
  if (!warm) return 'no warm pairs yet';
  return `${signedPercent(warm.ratio)} [${intervalEnds(warm, signedPercent) ?? 'unbounded'}] ${warm.outcome === 'inconclusive' ? 'open' : warm.outcome}`;
}
