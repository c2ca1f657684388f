// The spread split against known truths: how much environments differ (SD of one execution
// environment's lasting log offset) and how much a back-to-back pair's log ratio varies within
// an environment pair, as `environmentPairEvidence` reads them from samples made with those
// truths (m AB/BA pairs per environment pair, log-normal calls, no outliers unless asked).
// Prints the mean reading, its bias and the bias of its square (the variance) per cell.
//
// Environment variables: SPREAD_RUNS (default 1000), SPREAD_OUTLIERS (the share of calls made
// 1.5-3x slower, default 0), SPREAD_PAIRS (default 5).
import { environmentPairEvidence } from '../src/analysis/sequential.js';
import { seededRandom } from '../src/random.js';
import { spreadSamples } from './spread-samples.js';

const RUNS = Number(process.env.SPREAD_RUNS ?? 1000);
const OUTLIERS = Number(process.env.SPREAD_OUTLIERS ?? 0);
const PAIRS = Number(process.env.SPREAD_PAIRS ?? 5);

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x: number): string => (x * 100).toFixed(2);

console.log(
  `${RUNS} simulated variants per cell, ${PAIRS} pairs per environment pair, ${OUTLIERS * 100}% outlier calls; log-scale SDs in percent.`,
);
console.log('');
console.log(
  '| environment pairs | between (truth) | within (truth) | between read (mean) | bias | bias of its square (%²) | within read (mean) | bias | bias of its square (%²) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const environmentPairs of [8, 40]) {
  for (const between of [0, 0.04, 0.08]) {
    for (const within of [0.05, 0.141, 0.25]) {
      const random = seededRandom(2026);
      const readings = Array.from(
        { length: RUNS },
        () =>
          environmentPairEvidence(
            spreadSamples(random, { environmentPairs, between, within, pairs: PAIRS, outliers: OUTLIERS }),
          ).spread,
      );
      const b = readings.map((r) => r.betweenEnvironments);
      const w = readings.map((r) => r.withinEnvironment);
      console.log(
        `| ${environmentPairs} | ${pct(between)} | ${pct(within)} | ${pct(mean(b))} | ${pct(mean(b) - between)} | ${(mean(b.map((x) => x * x)) * 1e4 - between * between * 1e4).toFixed(2)} | ${pct(mean(w))} | ${pct(mean(w) - within)} | ${(mean(w.map((x) => x * x)) * 1e4 - within * within * 1e4).toFixed(2)} |`,
      );
    }
  }
}
