import type { Sample } from '../model/sample.js';
import { budgetValue, roundsText, pValue, signedPercent as pct } from '../report/format.js';
import { verdictOf, type IntegrationResult, type Reason, type Verdict, type VariantResult } from '../report/model.js';
import { isLatencyBudget } from './budgets.js';
import type { MetricComparison } from './comparison.js';

const metricLabel = (c: MetricComparison): string => (c.metric === 'warm' ? 'warm duration' : 'cold start');

/** The comparison in one line; integration comparisons name their rounds. */
export function describeComparison(c: MetricComparison): string {
  const units = c.environmentPairs
    ? `${c.units} environment pairs, ${c.nBaseline} warm pairs`
    : c.rounds?.length
      ? `n=${c.nBaseline}/${c.nCandidate}; by round ${roundsText(c.rounds)}`
      : `n=${c.nBaseline}/${c.nCandidate}`;
  const interval =
    c.ciHigh === Infinity || c.ciLow === 0
      ? 'too few to bound'
      : `${Math.round(c.confidence * 100)}% CI ${pct(c.ciLow)} to ${pct(c.ciHigh)}`;
  return `${metricLabel(c)} ${pct(c.ratio)} (${interval}, p${pValue(c.pValue)}, ${units})`;
}

interface Failures {
  calls: number;
  wrong: number;
  firstWrong: string;
  /** Count per error type. */
  errors: Map<string, number>;
}

function failuresByExemplar(samples: readonly Sample[]): Map<string, Failures> {
  const byExemplar = new Map<string, Failures>();
  for (const sample of samples) {
    const entry = byExemplar.get(sample.exemplar) ?? {
      calls: 0,
      wrong: 0,
      firstWrong: '',
      errors: new Map<string, number>(),
    };
    entry.calls++;
    if (sample.errorType) entry.errors.set(sample.errorType, (entry.errors.get(sample.errorType) ?? 0) + 1);
    else if (sample.wrongAnswer) {
      entry.wrong++;
      entry.firstWrong ||= sample.wrongAnswer;
    }
    byExemplar.set(sample.exemplar, entry);
  }
  return byExemplar;
}

/** P(X >= k) for X ~ Binomial(n, p). */
function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let term = (1 - p) ** n;
  let total = 0;
  for (let i = 0; i <= n; i++) {
    if (i >= k) total += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return Math.min(1, total);
}

/**
 * What the candidate's and the baseline's errors and wrong answers say. A wrong answer of the
 * candidate is always a finding. An error type counts against the candidate only when it fails
 * more often than the baseline beyond chance (one-sided binomial test on the two builds' counts
 * of that type, given their calls), or on every call of an exemplar the baseline always
 * answered: platform faults (a killed environment, a throttled host) hit both builds alike and are
 * reported as such, never as a finding against one build.
 */
function failureReasons(samples: readonly Sample[], alpha: number): Reason[] {
  const reasons: Reason[] = [];
  const candidate = failuresByExemplar(samples.filter((s) => s.build === 'candidate'));
  const baseline = failuresByExemplar(samples.filter((s) => s.build === 'baseline'));
  for (const exemplar of new Set([...candidate.keys(), ...baseline.keys()])) {
    const c = candidate.get(exemplar) ?? { calls: 0, wrong: 0, firstWrong: '', errors: new Map<string, number>() };
    const b = baseline.get(exemplar) ?? { calls: 0, wrong: 0, firstWrong: '', errors: new Map<string, number>() };
    if (c.wrong)
      reasons.push({
        kind: 'wrong-answer',
        message: `exemplar ${exemplar}: the candidate answered ${c.wrong} of ${c.calls} invocations wrongly (${c.firstWrong})`,
      });
    if (b.wrong)
      reasons.push({
        kind: 'baseline-error',
        message: `exemplar ${exemplar}: the baseline also answered ${b.wrong} of ${b.calls} invocations wrongly (${b.firstWrong}); check the exemplar`,
      });
    for (const type of new Set([...c.errors.keys(), ...b.errors.keys()])) {
      const inCandidate = c.errors.get(type) ?? 0;
      const inBaseline = b.errors.get(type) ?? 0;
      const counts = `the candidate failed ${inCandidate} of ${c.calls} invocations, the baseline ${inBaseline} of ${b.calls}`;
      if (inCandidate === 0) {
        reasons.push({
          kind: 'baseline-error',
          message: `exemplar ${exemplar}: the baseline failed ${inBaseline} of ${b.calls} invocations (${type}); check the exemplar`,
        });
        continue;
      }
      const share = c.calls / Math.max(1, c.calls + b.calls);
      const beyondChance = binomialUpperTail(inCandidate, inCandidate + inBaseline, share) < alpha;
      const always = inCandidate === c.calls && inBaseline === 0;
      if (beyondChance || always)
        reasons.push({ kind: 'wrong-answer', message: `exemplar ${exemplar}: ${counts} (${type})` });
      else if (inBaseline > 0)
        reasons.push({
          kind: 'notice',
          message: `exemplar ${exemplar}: ${counts} (${type}): both builds alike, so taken for platform noise, not a finding`,
        });
      else
        reasons.push({
          kind: 'notice',
          message: `exemplar ${exemplar}: ${counts} (${type}): too few to tell from chance; a rerun shows whether it persists`,
        });
    }
  }
  return reasons;
}

/**
 * A function's verdict. Fail: the candidate answered an exemplar wrongly or with an error (a
 * wrong answer is worse than a slow one), a regression was shown, or the recommended variant
 * breaks a budget. Inconclusive: for some variant neither a regression nor its absence could be
 * shown within the sample cap. Pass otherwise.
 */
export function functionVerdict(
  samples: readonly Sample[],
  variants: readonly VariantResult[],
  recommendedVariant: string | undefined,
  tolerance: number,
  alpha: number,
  integration?: IntegrationResult,
): { verdict: Verdict; reasons: Reason[] } {
  const reasons: Reason[] = failureReasons(samples, alpha);
  for (const variant of variants) {
    for (const c of variant.comparisons) {
      if (c.outcome === 'regression') {
        reasons.push({
          kind: 'regression',
          variant: variant.id,
          message: `${variant.id}: ${describeComparison(c)} exceeds the ${(tolerance * 100).toFixed(0)}% tolerance`,
        });
      } else if (c.outcome === 'inconclusive' && c.metric === 'warm') {
        reasons.push({
          kind: 'inconclusive',
          variant: variant.id,
          message: `${variant.id}: ${describeComparison(c)}; neither a regression nor its absence (within ${(tolerance * 100).toFixed(0)}%) could be shown${c.reason ? `: ${c.reason}` : ''}`,
        });
      }
    }
  }
  const recommended = variants.find((v) => v.id === recommendedVariant);
  for (const check of recommended?.budgets ?? []) {
    if (check.ok) continue;
    const scope = isLatencyBudget(check) && variants.length > 1 ? ' (no variant meets it)' : '';
    const value = Number.isNaN(check.value) ? 'not measured' : budgetValue(check);
    reasons.push({
      kind: 'budget',
      variant: recommended!.id,
      message: `${recommended!.id}: ${check.budget} is ${value}, over the budget of ${check.limit} ${check.unit}${scope}`,
    });
  }
  if (integration) reasons.push(...integrationReasons(integration, tolerance));
  return { verdict: verdictOf(reasons), reasons };
}

/**
 * What the integration profile adds: a failing command is a failing test, reported with its
 * output, never as a slowdown; a regression or a blown budget in that traffic counts like the
 * exemplars'. An inconclusive comparison of this (unplanned) traffic is shown, not a finding.
 */
function integrationReasons(integration: IntegrationResult, tolerance: number): Reason[] {
  const reasons: Reason[] = [];
  for (const run of integration.runs) {
    const failed = run.timedOut || run.exitCode !== 0;
    if (failed) {
      const how = run.timedOut
        ? 'timed out'
        : run.exitCode === null
          ? `was killed (${run.signal ?? 'signal'})`
          : `exited with ${run.exitCode}`;
      const tail = run.outputTail.trim().split('\n').slice(-5).join('\n');
      reasons.push({
        kind: run.build === 'candidate' ? 'test-failure' : 'baseline-error',
        message: `integration command "${integration.command}" ${how} against the ${run.build}${tail ? `; last output:\n${tail}` : ''}`,
      });
    }
    if (!run.complete) {
      reasons.push({
        kind: 'notice',
        message: `integration traffic (${run.build}): ${run.invocations} REPORT lines of ${run.starts} started invocations arrived within the log wait; figures may be short`,
      });
    }
  }
  const unit = integration.mode === 'sequential' ? ' (compared run by run)' : '';
  for (const c of integration.comparisons) {
    if (c.outcome === 'regression') {
      reasons.push({
        kind: 'regression',
        variant: integration.variant,
        message: `integration traffic at ${integration.variant}: ${describeComparison(c)}${unit} exceeds the ${(tolerance * 100).toFixed(0)}% tolerance`,
      });
    }
  }
  for (const check of integration.budgets) {
    if (!check.ok && !Number.isNaN(check.value)) {
      reasons.push({
        kind: 'budget',
        variant: integration.variant,
        message: `integration traffic at ${integration.variant}: ${check.budget} is ${budgetValue(check)}, over the budget of ${check.limit} ${check.unit}`,
      });
    }
  }
  return reasons;
}
