// The verdict rule the gate used before the environment pair became the unit of evidence, kept
// here only so that `npm run bench:stats` can show it beside the current one: warm pairs
// rotating over 3 environment pairs (pair k on replica k mod 3), 20 to 180 pairs in looks of 20,
// 5 cold starts per build in bursts, O'Brien-Fleming increments spent Bonferroni-style, Holm
// across metrics, and every environment pair held to alpha^(1/3) and beta^(1/3) on its own.
import { obrienFleming } from '../src/looks/group-sequential.js';
import { comparePaired, compareShift, holm } from '../src/analysis/statistics.js';

export const LEGACY = { warmMin: 20, warmMax: 180, cold: 5, replicas: 3 } as const;

type Outcome = 'regression' | 'no-regression' | 'inconclusive';

export interface LegacyLook {
  readonly coldBaseline: readonly number[];
  readonly coldCandidate: readonly number[];
  /** log(candidate / baseline) of every warm pair so far, split by replica. */
  readonly blocks: readonly (readonly number[])[];
  readonly fraction: number;
  readonly previousFraction: number;
  readonly final: boolean;
}

/** Today's decision at one look, on the warm and cold metrics of one variant: the warm outcome, and whether cold regressed. */
export function legacyDecide(
  look: LegacyLook,
  rules: { alpha: number; beta: number; tolerance: number },
): { warm: Outcome; coldRegression: boolean } {
  const spent = (budget: number): number =>
    obrienFleming(budget, look.fraction) - obrienFleming(budget, look.previousFraction);
  const alphaLook = spent(rules.alpha);
  const betaLook = spent(rules.beta);
  const limit = Math.log1p(rules.tolerance);
  const warm = comparePaired(look.blocks.flat());
  const cold = compareShift(look.coldBaseline.map(Math.log), look.coldCandidate.map(Math.log));
  const [warmSignificant, coldSignificant] = holm([warm.pUp, cold.pUp], alphaLook).map((step) => step.rejected);
  const power = 1 / look.blocks.length;
  const judge = (ratios: readonly number[], alpha: number, beta: number): Outcome => {
    const shift = comparePaired(ratios);
    if (shift.pUp < alpha && shift.estimate > limit) return 'regression';
    if (beta > 0 && shift.upperBound(beta) < limit) return 'no-regression';
    return 'inconclusive';
  };
  let outcome: Outcome = 'inconclusive';
  if (warmSignificant && warm.estimate > limit) outcome = 'regression';
  else if (warm.upperBound(betaLook) < limit) outcome = 'no-regression';
  if (
    look.blocks.length >= 2 &&
    look.blocks.some((block) => judge(block, alphaLook ** power, betaLook ** power) !== outcome)
  )
    outcome = 'inconclusive';
  return { warm: outcome, coldRegression: Boolean(coldSignificant) && cold.estimate > limit };
}
