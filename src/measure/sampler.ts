import type { ExemplarSpec } from '../config/types.js';
import type { VariantPlan } from '../gate/plan.js';
import type { Invocation } from '../lambda/invoke.js';
import { subsetMismatch } from './expect.js';
import { sampleFromReport, type Build, type Sample } from './sample.js';

export interface ArmTarget {
  readonly build: Build;
  readonly variant: VariantPlan;
  /** Which of the build and variant's versions: 0 .. environments - 1. */
  readonly replica: number;
  readonly qualifier: string;
}

/** One variant's versions of each build, replica by replica (index = replica). */
export interface VariantArms {
  readonly baseline: readonly ArmTarget[];
  readonly candidate: readonly ArmTarget[];
}

/** How many of `total` cold starts replica `replica` of `replicas` gets: spread evenly, first ones first. */
export const coldShare = (total: number, replicas: number, replica: number): number => Math.floor(total / replicas) + (replica < total % replicas ? 1 : 0);

export interface SamplerDeps {
  readonly functionName: string;
  readonly invoke: (arm: ArmTarget, exemplar: ExemplarSpec) => Promise<Invocation>;
  readonly concurrency: number;
  readonly random: () => number;
  readonly exemplarAt: (index: number) => ExemplarSpec;
}

/** Runs tasks with at most `limit` in flight, in the order given. */
export async function runPool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < tasks.length; index = next++) results[index] = await tasks[index]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * Measures: cold bursts on fresh versions, then warm samples of baseline and candidate in
 * randomised pairs (AB or BA, same exemplar, back to back), so that drift of the host or the
 * region hits both builds alike. Each build and variant has one or more versions (replicas),
 * each with its own environments; pair k of a variant runs on replica k mod replicas of both
 * builds, so that no one environment's quirks decide the comparison. Every invocation becomes
 * a Sample from its REPORT line.
 */
export class Sampler {
  readonly samples: Sample[] = [];
  private exemplarIndex = 0;
  private pairs = 0;
  private readonly pairsOfVariant = new Map<string, number>();

  constructor(private readonly deps: SamplerDeps) {}

  /**
   * `total` cold starts per build and variant, spread over its replicas: on a fresh version each
   * invocation of a concurrent burst is a cold start.
   */
  async coldBursts(arms: readonly ArmTarget[], total: number, replicas: number): Promise<void> {
    for (const arm of shuffle([...arms], this.deps.random)) {
      const exemplars = Array.from({ length: coldShare(total, replicas, arm.replica) }, () => this.nextExemplar());
      await Promise.all(exemplars.map((exemplar) => this.measure(arm, exemplar)));
    }
  }

  /** `pairs` more warm pairs for each variant, interleaved across variants in random order. */
  async warmPairs(variants: readonly VariantArms[], pairs: number): Promise<void> {
    const tasks: (() => Promise<void>)[] = [];
    for (let i = 0; i < pairs; i++) {
      for (const arms of variants) {
        const id = arms.baseline[0]!.variant.id;
        const k = this.pairsOfVariant.get(id) ?? 0;
        this.pairsOfVariant.set(id, k + 1);
        const baseline = arms.baseline[k % arms.baseline.length]!;
        const candidate = arms.candidate[k % arms.candidate.length]!;
        const exemplar = this.nextExemplar();
        const order = this.deps.random() < 0.5 ? [baseline, candidate] : [candidate, baseline];
        const pair = this.pairs++;
        tasks.push(async () => {
          for (const arm of order) await this.measure(arm, exemplar, pair);
        });
      }
    }
    await runPool(shuffle(tasks, this.deps.random), this.deps.concurrency);
  }

  private nextExemplar(): ExemplarSpec {
    return this.deps.exemplarAt(this.exemplarIndex++);
  }

  private async measure(arm: ArmTarget, exemplar: ExemplarSpec, pair?: number): Promise<void> {
    const { report, payload, errorType } = await this.deps.invoke(arm, exemplar);
    let wrongAnswer: string | undefined;
    if (!errorType && exemplar.expect !== undefined) {
      let response: unknown;
      try {
        response = JSON.parse(payload.toString('utf8'));
      } catch {
        response = payload.toString('utf8');
      }
      wrongAnswer = subsetMismatch(response, exemplar.expect);
    }
    this.samples.push(
      sampleFromReport(
        report,
        {
          function: this.deps.functionName,
          build: arm.build,
          variant: arm.variant.id,
          exemplar: exemplar.name,
          sequence: this.samples.length,
          replica: arm.replica,
          ...(pair === undefined ? {} : { pair }),
        },
        { errorType, wrongAnswer },
      ),
    );
  }
}
