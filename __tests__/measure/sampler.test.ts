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
  const calls: { qualifier: string; build: string; alongside: string[] }[] = [];
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
      // What else was in flight when this call started.
      const alongside = [...inFlight].filter(([, n]) => n > 0).map(([q]) => q);
      calls.push({ qualifier: target.qualifier, build: target.build, alongside });
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

  test('the two cold calls of environment pairs are issued in alternating order, per variant', async () => {
    const other = variantPlan(1024);
    for (const seed of [1, 2, 3, 7, 11]) {
      const { sampler, calls } = fakeSampler({ seed });
      const all = [
        ...targets(6),
        ...targets(6, 6).map((t) => ({
          ...t,
          variant: other,
          baseline: { ...t.baseline, variant: other },
          candidate: { ...t.candidate, variant: other },
        })),
      ];
      await sampler.environmentPairs(all);
      for (const id of [variant.id, other.id]) {
        // Concurrency 1: the environment pairs run one after another; a version's first call is its cold one.
        const mine = new Set(
          all.filter((t) => t.variant.id === id).flatMap((t) => [t.baseline.qualifier, t.candidate.qualifier]),
        );
        const seen = new Set<string>();
        const colds = calls.filter((c) => mine.has(c.qualifier) && !seen.has(c.qualifier) && seen.add(c.qualifier));
        const firsts = colds.filter((_, i) => i % 2 === 0).map((c) => c.build);
        expect(colds).toHaveLength(12);
        // Each environment pair's two cold calls are issued one right after the other, the second
        // while the first is in flight.
        expect(colds.every((c, i) => i % 2 === 0 || c.alongside.includes(colds[i - 1]!.qualifier))).toBe(true);
        expect(firsts.every((build, i) => i === 0 || build !== firsts[i - 1])).toBe(true);
      }
    }
  });

  test("an environment pair's two cold starts run at the same moment; its warm calls one at a time", async () => {
    const { sampler, calls } = fakeSampler();
    await sampler.environmentPairs(targets(3));
    for (const index of [0, 1, 2]) {
      const [b, c] = [100 + index, 200 + index].map(String);
      const mine = calls.filter((call) => call.qualifier === b || call.qualifier === c);
      expect(mine).toHaveLength(10);
      // The second cold call starts while the first is in flight; every later call alone.
      expect(mine[0]!.alongside).toEqual([]);
      expect(mine[1]!.alongside).toEqual([mine[0]!.qualifier]);
      expect(mine.slice(2).every((call) => call.alongside.length === 0)).toBe(true);
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
