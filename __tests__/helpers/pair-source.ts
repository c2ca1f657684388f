import type { EnvironmentPairSource } from '../../src/gate/sequential-sampling.js';
import type { ArmTarget } from '../../src/measure/sampler.js';
import type { Build } from '../../src/model/sample.js';
import type { VariantPlan } from '../../src/model/variant.js';

/**
 * An environment-pair source for a simulated sampler: it publishes nothing, it only names each
 * pair's two arms, a qualifier per variant, build and index, so that a simulated `invoke` can keep
 * one environment per qualifier (bench:stats, the sequential-sampling tests). With `duet`, both
 * arms share one qualifier, as both builds share a duet function's version.
 */
export const namedPairSource = (
  functionName: (variant: VariantPlan, build: Build) => string,
  duet = false,
): EnvironmentPairSource => ({
  publish: async (open, from, to) =>
    open.flatMap((variant) =>
      Array.from({ length: to - from }, (_, i) => {
        const arm = (build: Build): ArmTarget => ({
          functionName: functionName(variant, build),
          build,
          variant,
          qualifier: `${variant.id}-${duet ? 'duet' : build}-${from + i}`,
        });
        return { variant, index: from + i, baseline: arm('baseline'), candidate: arm('candidate') };
      }),
    ),
  cancel: () => undefined,
});
