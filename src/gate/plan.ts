import type { ExemplarSpec, FunctionSpec } from '../config/types.js';
import { variantId, type VariantPlan } from '../model/variant.js';

/** Every variant of a function: memory sizes x architectures x named variants. */
export function planVariants(spec: FunctionSpec, defaultMemoryMb: number): VariantPlan[] {
  const memories = spec.memory ?? [defaultMemoryMb];
  const plans: VariantPlan[] = [];
  for (const architecture of spec.architectures) {
    for (const variant of spec.variants) {
      for (const memoryMb of memories) {
        plans.push({
          id: variantId(memoryMb, architecture, variant.name),
          memoryMb,
          architecture,
          name: variant.name,
          environment: variant.environment,
          snapStart: variant.snapStart ?? false,
        });
      }
    }
  }
  return plans;
}

/**
 * A deterministic weighted order of exemplars (smooth weighted round robin): each appears in
 * proportion to its weight, spread out rather than in runs.
 */
export function exemplarSequence(exemplars: readonly ExemplarSpec[], length: number): ExemplarSpec[] {
  const total = exemplars.reduce((sum, e) => sum + e.weight, 0);
  const current = exemplars.map(() => 0);
  const sequence: ExemplarSpec[] = [];
  for (let i = 0; i < length; i++) {
    let best = 0;
    for (let j = 0; j < exemplars.length; j++) {
      current[j]! += exemplars[j]!.weight;
      if (current[j]! > current[best]!) best = j;
    }
    current[best]! -= total;
    sequence.push(exemplars[best]!);
  }
  return sequence;
}

/** The perf function's name: recognisable, unique per run, within Lambda's 64 characters. */
export function perfFunctionName(functionName: string, runId: string): string {
  return `lpg-${functionName}-${runId}`.slice(0, 64);
}
