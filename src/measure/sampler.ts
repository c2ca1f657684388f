import type { ExemplarSpec, SamplingDesign } from '../config/types.js';
import type { VariantPlan } from '../model/variant.js';
import type { Invocation } from '../lambda/invoke.js';
import { judgeAnswer } from './expect.js';
import { sampleFromReport, type Build, type Sample } from '../model/sample.js';

export interface ArmTarget {
  readonly functionName: string;
  readonly build: Build;
  readonly variant: VariantPlan;
  /** The published version to invoke: fresh, so its first call is its environment's cold start. */
  readonly qualifier: string;
}

/** A fresh version of each build at one variant: one execution environment each. */
export interface EnvironmentPairTarget {
  readonly variant: VariantPlan;
  /** 0, 1, ... within the variant. */
  readonly index: number;
  readonly baseline: ArmTarget;
  readonly candidate: ArmTarget;
}

export interface SamplerDeps {
  readonly functionName: string;
  readonly invoke: (arm: ArmTarget, exemplar: ExemplarSpec) => Promise<Invocation>;
  readonly concurrency: number;
  readonly random: () => number;
  readonly exemplarAt: (index: number) => ExemplarSpec;
  /** Back-to-back AB/BA warm pairs per environment pair, after its two cold calls. */
  readonly pairsPerEnvironment: number;
  /**
   * `separate`: each build has an execution environment of its own in every environment pair.
   * `duet`: both arms of a target name one version (one environment that holds both builds);
   * its first call (both builds' INIT) and the other build's first call are kept out of the
   * samples, in `warmUps`.
   */
  readonly design?: SamplingDesign;
}

/** Runs tasks with at most `limit` in flight, in the order given. */
async function runPool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
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
 * Measures environment pairs. Each starts with the cold call of both versions (at the same moment,
 * same exemplar, issued in counterbalanced order: see `coldOrders`), then runs `pairsPerEnvironment` warm pairs
 * (AB or BA at random, same exemplar, back to back), so that drift of the host or the region hits
 * both builds alike.
 * The calls of one environment pair run one after the other, so each version never has more
 * than one invocation in flight and keeps its one execution environment; environment pairs run
 * side by side up to the concurrency. Every invocation becomes a Sample from its REPORT line.
 */
export class Sampler {
  readonly samples: Sample[] = [];
  /** Duet: each environment's first call of each build (the first loaded both); in no comparison or figure. */
  readonly warmUps: Sample[] = [];
  private exemplarIndex = 0;
  private pairs = 0;

  constructor(private readonly deps: SamplerDeps) {}

  /**
   * Measures the environment pairs, in random order across variants. A variant one of whose
   * builds has failed every call so far, over at least one environment pair, gets no further
   * environment pairs: its error is the finding, and invoking on would only cost.
   */
  async environmentPairs(targets: readonly EnvironmentPairTarget[]): Promise<void> {
    const shuffled = shuffle([...targets], this.deps.random);
    const colds = this.coldOrders(shuffled);
    const tasks = shuffled.map((target, n) => async (): Promise<void> => {
      if (this.failing(target.variant.id)) return;
      const exemplar = this.nextExemplar();
      if (this.deps.design === 'duet') {
        // A duet's two first calls: the environment's INIT (both builds') and the other build's
        // first call, each build's first, which neither build's pairs should carry.
        for (const arm of colds[n]!) await this.measure(arm, exemplar, target.index, undefined, true);
      } else await this.coldStarts(colds[n]!, exemplar, target.index);
      // In a duet both calls of a pair run in one process, one after the other, so the second
      // meets what the first warmed (and a young environment speeds up call by call): its pairs
      // alternate AB and BA from a random start, so that this cancels within the environment.
      // Drawn only for a duet, so that the separate design's seeded sequence stays as it was.
      const baselineFirst = this.deps.design === 'duet' && this.deps.random() < 0.5;
      for (let i = 0; i < this.deps.pairsPerEnvironment; i++) {
        const pairExemplar = this.nextExemplar();
        const pair = this.pairs++;
        const arms =
          this.deps.design === 'duet'
            ? baselineFirst === (i % 2 === 0)
              ? [target.baseline, target.candidate]
              : [target.candidate, target.baseline]
            : this.order(target);
        for (const arm of arms) await this.measure(arm, pairExemplar, target.index, pair);
      }
    });
    await runPool(tasks, this.deps.concurrency);
  }

  /**
   * The order of each environment pair's two cold calls, for environment pairs run in the order
   * given: within a variant they alternate, baseline first or candidate first, from a random
   * start. In a duet the first call meets the environment's INIT. In the separate design both
   * start at once (see `coldStarts`), yet the one issued first starts a little earlier (its INIT
   * read about 1% slower on the local service). Environment pairs side by side are neighbours
   * in this order, so what the first meets falls on each build about equally often; random
   * orders left that to chance, and one seed could give one build most of it, run after run.
   */
  private coldOrders(targets: readonly EnvironmentPairTarget[]): ArmTarget[][] {
    const next = new Map<string, boolean>();
    return targets.map((target) => {
      const baselineFirst = next.get(target.variant.id) ?? this.deps.random() < 0.5;
      next.set(target.variant.id, !baselineFirst);
      return baselineFirst ? [target.baseline, target.candidate] : [target.candidate, target.baseline];
    });
  }

  /**
   * The two cold starts of a separate design's environment pair, at the same moment (two
   * versions, so each still has one invocation in flight): whatever else runs then, the other
   * environment pairs' calls among it, meets both. One after the other, the first met a different
   * moment than the second, and what each met followed the schedule: on the local service, with
   * environment pairs side by side, a seed's A/A runs read cold ratios of 1.05-1.08 again and
   * again (p < 0.001, false alarms in 4 of 47 runs); at the same moment, none in 28. Issued in
   * the alternating order, and both are awaited before an error goes on.
   */
  private async coldStarts(arms: readonly ArmTarget[], exemplar: ExemplarSpec, environmentPair: number): Promise<void> {
    const settled = await Promise.allSettled(arms.map((arm) => this.measure(arm, exemplar, environmentPair)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Why a variant is failing (a build failed every call, over one environment pair or more), or undefined. */
  failing(variant: string): string | undefined {
    for (const build of ['candidate', 'baseline'] as const) {
      const calls = [...this.warmUps, ...this.samples].filter((s) => s.variant === variant && s.build === build);
      if (calls.length < this.deps.pairsPerEnvironment + 1 || calls.some((s) => !s.errorType)) continue;
      const types = [...new Set(calls.map((s) => s.errorType))].join(', ');
      return `stopped: the ${build} failed all ${calls.length} calls (${types})`;
    }
    return undefined;
  }

  private order(target: EnvironmentPairTarget): ArmTarget[] {
    return this.deps.random() < 0.5 ? [target.baseline, target.candidate] : [target.candidate, target.baseline];
  }

  private nextExemplar(): ExemplarSpec {
    return this.deps.exemplarAt(this.exemplarIndex++);
  }

  private async measure(
    arm: ArmTarget,
    exemplar: ExemplarSpec,
    environmentPair: number,
    pair?: number,
    warmUp = false,
  ): Promise<void> {
    const { report, payload, errorType, errorMessage } = await this.deps.invoke(arm, exemplar);
    const { errorType: unexpectedError, wrongAnswer } = judgeAnswer(exemplar, errorType, payload);
    (warmUp ? this.warmUps : this.samples).push(
      sampleFromReport(
        report,
        {
          function: this.deps.functionName,
          build: arm.build,
          variant: arm.variant.id,
          exemplar: exemplar.name,
          sequence: this.samples.length + this.warmUps.length,
          environmentPair,
          ...(pair === undefined ? {} : { pair }),
        },
        { errorType: unexpectedError, errorMessage, wrongAnswer },
      ),
    );
  }
}
