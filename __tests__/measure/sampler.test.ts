import type { ExemplarSpec } from '../../src/config/types.js';
import type { VariantPlan } from '../../src/gate/plan.js';
import type { Invocation } from '../../src/lambda/invoke.js';
import { seededRandom } from '../../src/local-lambda/faults.js';
import { coldShare, Sampler, type ArmTarget } from '../../src/measure/sampler.js';

const variant = { id: '512MB-x86_64', memoryMb: 512, architecture: 'x86_64', name: 'default', environment: {}, snapStart: false } as VariantPlan;
const exemplar = { name: 'e', weight: 1, payload: Buffer.from('{}') } as unknown as ExemplarSpec;
const arms = (build: 'baseline' | 'candidate', first: number): ArmTarget[] => [0, 1, 2].map((replica) => ({ build, variant, replica, qualifier: String(first + replica) }));

/** A sampler whose invocations are answered at once; the first one on each version is cold. */
function fakeSampler() {
  const calls: string[] = [];
  const seen = new Set<string>();
  const sampler = new Sampler({
    functionName: 'f',
    concurrency: 1,
    random: seededRandom(1),
    exemplarAt: () => exemplar,
    invoke: async (arm) => {
      calls.push(arm.qualifier);
      const cold = !seen.has(arm.qualifier);
      seen.add(arm.qualifier);
      return { report: { durationMs: 10, billedDurationMs: 10, maxMemoryUsedMb: 50, memorySizeMb: 512, ...(cold ? { initDurationMs: 100 } : {}) }, payload: Buffer.from('{}') } as unknown as Invocation;
    },
  });
  return { sampler, calls };
}

describe('the sampler', () => {
  test('cold starts are spread over the versions, the first ones getting the remainder', () => {
    expect([0, 1, 2].map((r) => coldShare(5, 3, r))).toEqual([2, 2, 1]);
    expect([0, 1, 2].map((r) => coldShare(1, 3, r))).toEqual([1, 0, 0]);
    expect([0, 1, 2].map((r) => coldShare(0, 3, r))).toEqual([0, 0, 0]);
  });

  test('pair k runs on version k mod 3 of both builds, and every sample says which', async () => {
    const { sampler, calls } = fakeSampler();
    const baseline = arms('baseline', 1);
    const candidate = arms('candidate', 4);
    await sampler.coldBursts([...baseline, ...candidate], 3, 3);
    expect(calls.slice().sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    await sampler.warmPairs([{ baseline, candidate }], 9);
    const warm = sampler.samples.filter((s) => s.kind === 'warm');
    expect(warm).toHaveLength(18);
    const byPair = new Map<number, { build: string; replica: number | undefined }[]>();
    for (const s of warm) byPair.set(s.pair!, [...(byPair.get(s.pair!) ?? []), { build: s.build, replica: s.replica }]);
    expect(byPair.size).toBe(9);
    for (const halves of byPair.values()) {
      expect(halves.map((h) => h.build).sort()).toEqual(['baseline', 'candidate']);
      expect(halves[0]!.replica).toBe(halves[1]!.replica);
    }
    // Three pairs on each replica, continuing the rotation across calls.
    const perReplica = [0, 1, 2].map((r) => [...byPair.values()].filter((h) => h[0]!.replica === r).length);
    expect(perReplica).toEqual([3, 3, 3]);
    await sampler.warmPairs([{ baseline, candidate }], 1);
    expect(sampler.samples.at(-1)!.replica).toBe(0);
  });
});
