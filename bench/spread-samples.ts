// Samples of one variant made with known spreads, for the spread estimator's bench and test.
import { sampleFromReport, type Sample } from '../src/model/sample.js';
import { gaussian } from '../src/random.js';

/**
 * Samples of one variant with `between` (log SD of each environment's lasting offset) and
 * `within` (log SD of a back-to-back pair's log ratio): a cold call per build, then `pairs` pairs
 * per environment pair; `outliers` of the calls 1.5-3x slower.
 */
export function spreadSamples(
  random: () => number,
  options: { environmentPairs: number; between: number; within: number; pairs: number; outliers: number },
): Sample[] {
  const { environmentPairs, between, within, pairs, outliers } = options;
  const perCall = within / Math.SQRT2;
  const samples: Sample[] = [];
  let pairId = 0;
  for (let index = 0; index < environmentPairs; index++) {
    const offsets = { baseline: between * gaussian(random), candidate: between * gaussian(random) };
    const call = (build: 'baseline' | 'candidate', pair?: number): void => {
      let durationMs = 20 * Math.exp(offsets[build] + perCall * gaussian(random));
      if (random() < outliers) durationMs *= 1.5 + 1.5 * random();
      samples.push(
        sampleFromReport(
          {
            durationMs,
            billedDurationMs: Math.ceil(durationMs),
            maxMemoryUsedMb: 60,
            memorySizeMb: 1024,
            ...(pair === undefined ? { initDurationMs: 150 } : {}),
          },
          {
            function: 'f',
            build,
            variant: 'v',
            exemplar: 'e',
            sequence: samples.length,
            environmentPair: index,
            ...(pair === undefined ? {} : { pair }),
          },
        ),
      );
    };
    call('baseline');
    call('candidate');
    for (let i = 0; i < pairs; i++) {
      const id = pairId++;
      call('baseline', id);
      call('candidate', id);
    }
  }
  return samples;
}
