/**
 * The look schedule of the sequential test: when each look comes (after every batch of
 * environment pairs, up to the cap) and the nominal levels each look tests at, from the
 * group-sequential spending functions. Configuration validation uses it to refuse a plan that
 * can never decide; the sampler and the analysis use it to take and replay the looks.
 */
import { nominalLevels, obrienFleming, powerSpending } from './group-sequential.js';

export interface SequentialPlan {
  /** Back-to-back AB/BA warm pairs each environment pair is driven by, after its two cold calls. */
  readonly pairsPerEnvironment: number;
  /** Environment pairs added per variant at each look. */
  readonly batch: number;
  /** Environment pairs per variant at most. */
  readonly maxEnvironmentPairs: number;
}

const ALPHA_SPENDING = { name: 'power-2', spend: powerSpending(2) };
const BETA_SPENDING = { name: 'obrien-fleming', spend: obrienFleming };

/** Information fraction of each look: environment pairs by then over the cap. */
export function lookFractions(plan: SequentialPlan): number[] {
  const fractions: number[] = [];
  for (let k = plan.batch; k < plan.maxEnvironmentPairs; k += plan.batch) fractions.push(k / plan.maxEnvironmentPairs);
  fractions.push(1);
  return fractions;
}

/** How many environment pairs each look has measured (the last may be a smaller batch). */
export const environmentPairsAtLook = (plan: SequentialPlan, look: number): number =>
  Math.min(plan.maxEnvironmentPairs, look * plan.batch);

/**
 * The false-alarm budget of one metric of one variant: alpha split evenly over the function's
 * variants and their two metrics (warm and cold), Bonferroni. The split is over every variant
 * the function has, never over those still open: a variant that closes with a pass has not
 * spent its share, and handing it to the others would let each spend more than its share over
 * its looks, so the false-alarm rate of the run would exceed alpha. A variant that closes with a
 * regression fails the gate anyway.
 */
export const metricAlphaShare = (alpha: number, variants: number): number => alpha / (2 * Math.max(1, variants));

/** The nominal levels of every look for one metric that gets `alphaShare` of the false-alarm budget. */
export function looksLevels(plan: SequentialPlan, alphaShare: number, beta: number): { alpha: number; beta: number }[] {
  const fractions = lookFractions(plan);
  const alphas = nominalLevels(alphaShare, fractions, ALPHA_SPENDING.spend, ALPHA_SPENDING.name);
  const betas = nominalLevels(beta, fractions, BETA_SPENDING.spend, BETA_SPENDING.name);
  return fractions.map((_, k) => ({ alpha: alphas[k]!, beta: betas[k]! }));
}
