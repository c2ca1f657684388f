import { analyzeFunction } from '../../src/analysis/analyze.js';
import { decideSequential } from '../../src/analysis/sequential.js';
import type { ExemplarSpec } from '../../src/config/types.js';
import { measureSequentially } from '../../src/gate/sequential-sampling.js';
import type { Invocation } from '../../src/lambda/invoke.js';
import { Sampler, type ArmTarget } from '../../src/measure/sampler.js';
import type { VariantPlan } from '../../src/model/variant.js';
import { gaussian, seededRandom } from '../../src/random.js';
import { FIXTURE_SPEC, variantPlan } from '../helpers/analysis-fixture.js';
import { namedPairSource } from '../helpers/pair-source.js';

// No service here: the sampler's invocations are answered from a model, so this runs in seconds.

const plan = { pairsPerEnvironment: 3, batch: 8, maxEnvironmentPairs: 40 };
const rules = { alpha: 0.01, beta: 0.05, tolerance: 0.05 };
const exemplar = { name: 'e', weight: 1, payload: Buffer.from('{}') } as unknown as ExemplarSpec;

/** What one variant's candidate does, against its baseline. */
interface Truth {
  readonly warm: number;
  readonly cold: number;
  readonly failing: boolean;
}

/**
 * A random sample set, made as the sampler makes it: every version its own lasting offset (4%),
 * each call 8% noise, the first call on a version cold; per variant a true warm and cold change
 * picked near the tolerance, where the sampler and the replay are most likely to part.
 */
function world(seed: number) {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const count = 1 + Math.floor(random() * 4);
  const variants: VariantPlan[] = Array.from({ length: count }, (_, i) => variantPlan(256 * 2 ** i));
  const truths = new Map<string, Truth>(
    variants.map((v) => [
      v.id,
      {
        warm: pick([0.97, 1, 1, 1.03, 1.05, 1.07, 1.08, 1.1, 1.2]),
        cold: pick([1, 1.05, 1.1, 1.3]),
        failing: random() < 0.05,
      },
    ]),
  );
  const offsets = new Map<string, number>();
  const seen = new Set<string>();
  const invoke = async (arm: ArmTarget): Promise<Invocation> => {
    const truth = truths.get(arm.variant.id)!;
    const candidate = arm.build === 'candidate';
    if (!offsets.has(arm.qualifier)) offsets.set(arm.qualifier, Math.exp(0.04 * gaussian(random)));
    const cold = !seen.has(arm.qualifier);
    seen.add(arm.qualifier);
    const durationMs =
      20 * offsets.get(arm.qualifier)! * (candidate ? truth.warm : 1) * Math.exp(0.08 * gaussian(random));
    return {
      report: {
        durationMs,
        billedDurationMs: Math.ceil(durationMs),
        maxMemoryUsedMb: 60,
        memorySizeMb: arm.variant.memoryMb,
        ...(cold ? { initDurationMs: 150 * (candidate ? truth.cold : 1) * Math.exp(0.1 * gaussian(random)) } : {}),
      },
      payload: Buffer.from('{}'),
      ...(candidate && truth.failing ? { errorType: 'TypeError' } : {}),
    } as Invocation;
  };
  const source = namedPairSource((variant, build) => `f-${variant.id}-${build}`);
  const sampler = new Sampler({
    functionName: 'f',
    concurrency: 1,
    random,
    exemplarAt: () => exemplar,
    pairsPerEnvironment: plan.pairsPerEnvironment,
    invoke,
  });
  return { variants, sampler, source };
}

/** What the sample sets showed, so the last test can tell that they covered every way a variant ends. */
const seen = { variants: new Set<number>(), endings: new Set<string>() };

describe('one decision: the report replays what the sampler decided', () => {
  // Seeded random sample sets with 1-4 variants, the warm and the cold metric, and now and then a
  // candidate that fails every call.
  test.each(Array.from({ length: 60 }, (_, i) => i + 1))(
    'sample set %i: every variant stops where the replay decides, with the same comparisons',
    async (seed) => {
      const { variants, sampler, source } = world(seed);
      const live = await measureSequentially({
        name: 'f',
        variants,
        plan,
        rules,
        sampler,
        source,
        progress: () => undefined,
      });
      const ids = variants.map((v) => v.id);
      const replay = decideSequential({ samples: sampler.samples, variants: ids, plan, rules, stopped: live.stopped });
      expect(replay.map(({ variant, looks, open, comparisons }) => ({ variant, looks, open, comparisons }))).toEqual(
        live.decisions.map(({ variant, looks, open, comparisons }) => ({ variant, looks, open, comparisons })),
      );
      // And the report: each variant's comparisons (warm, then cold) as the sampler decided them.
      const report = analyzeFunction({
        spec: FIXTURE_SPEC,
        variants,
        samples: sampler.samples,
        plan,
        rules,
        region: 'us-east-1',
        traffic: { invocationsPerMonth: 1e6, coldStartRate: 0.01 },
        strategy: 'cost',
        balancedWeight: 0.5,
        stopped: live.stopped,
      });
      expect(report.variants.map((v) => v.comparisons)).toEqual(live.decisions.map((d) => d.comparisons));
      seen.variants.add(variants.length);
      for (const d of live.decisions) {
        if (live.stopped.has(d.variant)) seen.endings.add('stopped');
        for (const c of d.comparisons) seen.endings.add(`${c.metric} ${c.outcome}${c.look === 5 ? ' at the cap' : ''}`);
      }
    },
  );

  test('the sample sets cover 1-4 variants, and every way a warm and a cold comparison ends', () => {
    expect([...seen.variants].sort()).toEqual([1, 2, 3, 4]);
    expect([...seen.endings]).toEqual(
      expect.arrayContaining([
        'stopped',
        'warm regression',
        'warm no-regression',
        'warm inconclusive at the cap',
        'cold regression',
        'cold no-regression',
        'cold inconclusive',
      ]),
    );
  });
});
