import { sampleFromReport, type Sample } from '../../src/model/sample.js';
import { gaussian, seededRandom } from '../../src/random.js';

export interface FixtureVariant {
  readonly id: string;
  /** Median warm Duration of the baseline, ms. */
  readonly baselineMs: number;
  /** candidate / baseline. */
  readonly ratio: number;
  readonly memorySizeMb?: number;
  /** Make every candidate call fail with this error type. */
  readonly candidateError?: string;
}

/**
 * Samples as the sampler records them: per variant, `environmentPairs` environment pairs, each a
 * cold call per build then `pairs` AB/BA warm pairs, durations log-normal with `cv` and every
 * environment a lasting offset exp(N(0, offsetSd)).
 */
export function fixtureSamples(options: {
  variants: readonly FixtureVariant[];
  environmentPairs: number;
  pairs?: number;
  cv?: number;
  offsetSd?: number;
  seed?: number;
  from?: number;
}): Sample[] {
  const random = seededRandom(options.seed ?? 1);
  const pairs = options.pairs ?? 5;
  const sigma = Math.sqrt(Math.log(1 + (options.cv ?? 0.05) ** 2));
  const samples: Sample[] = [];
  let pairId = 0;
  for (const variant of options.variants) {
    for (let index = options.from ?? 0; index < (options.from ?? 0) + options.environmentPairs; index++) {
      const offsets = {
        baseline: Math.exp((options.offsetSd ?? 0) * gaussian(random)),
        candidate: Math.exp((options.offsetSd ?? 0) * gaussian(random)),
      };
      const call = (build: 'baseline' | 'candidate', cold: boolean, pair?: number): void => {
        const median = variant.baselineMs * offsets[build] * (build === 'candidate' ? variant.ratio : 1);
        const durationMs = median * Math.exp(sigma * gaussian(random));
        const report = {
          durationMs,
          billedDurationMs: Math.ceil(durationMs),
          maxMemoryUsedMb: 60,
          memorySizeMb: variant.memorySizeMb ?? 1024,
          ...(cold
            ? { initDurationMs: 150 * (build === 'candidate' ? variant.ratio : 1) * Math.exp(sigma * gaussian(random)) }
            : {}),
        };
        const errorType = build === 'candidate' ? variant.candidateError : undefined;
        samples.push(
          sampleFromReport(
            report,
            {
              function: 'f',
              build,
              variant: variant.id,
              exemplar: 'e',
              sequence: samples.length,
              environmentPair: index,
              ...(pair === undefined ? {} : { pair }),
            },
            { errorType },
          ),
        );
      };
      call('baseline', true);
      call('candidate', true);
      for (let i = 0; i < pairs; i++) {
        const id = pairId++;
        for (const build of random() < 0.5
          ? (['baseline', 'candidate'] as const)
          : (['candidate', 'baseline'] as const))
          call(build, false, id);
      }
    }
  }
  return samples;
}
