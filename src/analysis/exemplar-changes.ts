import { logRatio } from './comparison.js';
import type { Sample } from '../model/sample.js';
import { median } from './statistics.js';

/**
 * One exemplar's warm change at one variant: which event got slower. Descriptive only: the
 * verdict rests on environment pairs, and an exemplar's pairs share their environments.
 */
export interface ExemplarChange {
  readonly exemplar: string;
  /** Back-to-back warm pairs of this exemplar in which both builds answered. */
  readonly pairs: number;
  /** Warm Duration medians of those pairs, ms. */
  readonly baselineP50: number;
  readonly candidateP50: number;
  /** candidate / baseline: the median of the pairs' ratios; NaN without pairs. */
  readonly ratio: number;
}

/** Each exemplar's warm change in one variant's samples, in the order the exemplars are given. */
export function exemplarChanges(samples: readonly Sample[], exemplars: readonly string[]): ExemplarChange[] {
  const pairs = new Map<number, { exemplar: string; baseline?: number; candidate?: number }>();
  for (const s of samples) {
    if (s.pair === undefined || s.kind !== 'warm' || s.errorType) continue;
    const entry = pairs.get(s.pair) ?? { exemplar: s.exemplar };
    entry[s.build] = s.durationMs;
    pairs.set(s.pair, entry);
  }
  return exemplars.map((exemplar) => {
    const complete = [...pairs.values()].filter(
      (p): p is { exemplar: string; baseline: number; candidate: number } =>
        p.exemplar === exemplar && p.baseline !== undefined && p.candidate !== undefined,
    );
    return {
      exemplar,
      pairs: complete.length,
      baselineP50: median(complete.map((p) => p.baseline)),
      candidateP50: median(complete.map((p) => p.candidate)),
      ratio: Math.exp(median(complete.map((p) => logRatio(p.candidate, p.baseline)))),
    };
  });
}
