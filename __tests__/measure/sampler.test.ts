import type { ExemplarSpec } from '../../src/config/types.js';
import type { Invocation } from '../../src/lambda/invoke.js';
import { Sampler, type ArmTarget, type EnvironmentPairTarget } from '../../src/measure/sampler.js';
import { seededRandom } from '../../src/random.js';
import { variantPlan } from '../helpers/analysis-fixture.js';

const variant = variantPlan(512);
const exemplar = { name: 'e', weight: 1, payload: Buffer.from('{}') } as unknown as ExemplarSpec;
const arm = (build: 'baseline' | 'candidate', qualifier: number): ArmTarget => ({
  functionName: `f-${build}`,
  build,
  variant,
  qualifier: String(qualifier),
});
const targets = (count: number, from = 0): EnvironmentPairTarget[] =>
  Array.from({ length: count }, (_, i) => ({
    variant,
    index: from + i,
    baseline: arm('baseline', 100 + from + i),
    candidate: arm('candidate', 200 + from + i),
  }));

/** A sampler whose invocations are answered after a tick; the first one on each version is cold. */
function fakeSampler(options: { concurrency?: number; fail?: 'candidate'; seed?: number } = {}) {
  const calls: { qualifier: string; build: string }[] = [];
  const inFlight = new Map<string, number>();
  let overlapped = false;
  const seen = new Set<string>();
  const sampler = new Sampler({
    functionName: 'f',
    concurrency: options.concurrency ?? 1,
    random: seededRandom(options.seed ?? 1),
    exemplarAt: () => exemplar,
    pairsPerEnvironment: 4,
    invoke: async (target) => {
      calls.push({ qualifier: target.qualifier, build: target.build });
      inFlight.set(target.qualifier, (inFlight.get(target.qualifier) ?? 0) + 1);
      if (inFlight.get(target.qualifier)! > 1) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight.set(target.qualifier, inFlight.get(target.qualifier)! - 1);
      const cold = !seen.has(target.qualifier);
      seen.add(target.qualifier);
      const errorType = options.fail === target.build ? 'TypeError' : undefined;
      return {
        report: {
          durationMs: 10,
          billedDurationMs: 10,
          maxMemoryUsedMb: 50,
          memorySizeMb: 512,
          ...(cold ? { initDurationMs: 100 } : {}),
        },
        payload: Buffer.from('{}'),
        errorType,
      } as unknown as Invocation;
    },
  });
  return { sampler, calls, overlapped: () => overlapped };
}

describe('the sampler', () => {
  test('an environment pair is one cold call per version, then back-to-back AB/BA pairs on the same two versions', async () => {
    const { sampler } = fakeSampler();
    await sampler.environmentPairs(targets(3));
    expect(sampler.samples).toHaveLength(3 * 2 * 5);
    for (const index of [0, 1, 2]) {
      const mine = sampler.samples.filter((s) => s.environmentPair === index);
      const opening = mine.filter((s) => s.pair === undefined);
      expect(opening.map((s) => [s.build, s.kind]).sort()).toEqual([
        ['baseline', 'cold'],
        ['candidate', 'cold'],
      ]);
      const pairs = new Map<number, string[]>();
      for (const s of mine.filter((m) => m.pair !== undefined))
        pairs.set(s.pair!, [...(pairs.get(s.pair!) ?? []), `${s.build}:${s.kind}`]);
      expect(pairs.size).toBe(4);
      for (const halves of pairs.values()) expect(halves.sort()).toEqual(['baseline:warm', 'candidate:warm']);
    }
  });

  test('the two cold calls of environment pairs started one after another come in alternating order, per variant', async () => {
    const other = variantPlan(1024);
    for (const seed of [1, 2, 3, 7, 11]) {
      const { sampler } = fakeSampler({ seed });
      await sampler.environmentPairs([
        ...targets(6),
        ...targets(6, 6).map((t) => ({
          ...t,
          variant: other,
          baseline: { ...t.baseline, variant: other },
          candidate: { ...t.candidate, variant: other },
        })),
      ]);
      for (const id of [variant.id, other.id]) {
        // Concurrency 1: the order of the samples is the order the calls were made.
        const colds = sampler.samples.filter((s) => s.variant === id && s.kind === 'cold');
        const firsts = colds.filter((_, i) => i % 2 === 0).map((s) => s.build);
        expect(colds).toHaveLength(12);
        expect(colds.every((s, i) => i % 2 === 0 || s.environmentPair === colds[i - 1]!.environmentPair)).toBe(true);
        expect(firsts.every((build, i) => i === 0 || build !== firsts[i - 1])).toBe(true);
      }
    }
  });

  test('with environment pairs side by side, no version ever has two invocations in flight', async () => {
    const { sampler, overlapped } = fakeSampler({ concurrency: 4 });
    await sampler.environmentPairs(targets(8));
    expect(sampler.samples).toHaveLength(8 * 10);
    expect(overlapped()).toBe(false);
    // Each version answered exactly one cold start: its one environment.
    expect(sampler.samples.filter((s) => s.kind === 'cold')).toHaveLength(16);
  });

  test('a build that fails every call stops its variant after one environment pair', async () => {
    const { sampler, calls } = fakeSampler({ fail: 'candidate' });
    await sampler.environmentPairs(targets(8));
    expect(calls.filter((c) => c.build === 'candidate')).toHaveLength(5);
    expect(sampler.failing(variant.id)).toBe('stopped: the candidate failed all 5 calls (TypeError)');
    await sampler.environmentPairs(targets(8, 8));
    expect(calls).toHaveLength(10);
  });
});
