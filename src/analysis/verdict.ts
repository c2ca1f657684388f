import type { Sample } from '../measure/sample.js';
import { blocksText, pValue, signedPercent as pct } from '../report/format.js';
import { worstVerdict, type IntegrationResult, type Reason, type Verdict, type VariantResult } from '../report/model.js';
import { isLatencyBudget } from './budgets.js';
import type { MetricComparison } from './comparison.js';

const metricLabel = (c: MetricComparison): string => (c.metric === 'warm' ? 'warm duration' : 'cold start');

/** The comparison in one line; blocks are environment pairs for exemplars, rounds for integration traffic. */
export function describeComparison(c: MetricComparison, blockName = 'environment pair'): string {
  const blocks = c.blocks?.length ? `; by ${blockName} ${blocksText(c.blocks)}` : '';
  return `${metricLabel(c)} ${pct(c.ratio)} (${Math.round(c.confidence * 100)}% CI ${pct(c.ciLow)} to ${pct(c.ciHigh)}, p${pValue(c.pValue)}, n=${c.nBaseline}/${c.nCandidate}${blocks})`;
}

function failedExemplars(samples: readonly Sample[]): Map<string, { count: number; total: number; first: string }> {
  const byExemplar = new Map<string, { count: number; total: number; first: string }>();
  for (const sample of samples) {
    const entry = byExemplar.get(sample.exemplar) ?? { count: 0, total: 0, first: '' };
    entry.total++;
    const problem = sample.errorType ? `error ${sample.errorType}` : sample.wrongAnswer ? `wrong answer: ${sample.wrongAnswer}` : '';
    if (problem) {
      entry.count++;
      entry.first ||= problem;
    }
    byExemplar.set(sample.exemplar, entry);
  }
  return byExemplar;
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
  integration?: IntegrationResult,
): { verdict: Verdict; reasons: Reason[] } {
  const reasons: Reason[] = [];
  for (const build of ['candidate', 'baseline'] as const) {
    for (const [exemplar, { count, total, first }] of failedExemplars(samples.filter((s) => s.build === build))) {
      if (count === 0) continue;
      reasons.push({
        kind: build === 'candidate' ? 'wrong-answer' : 'baseline-error',
        message:
          build === 'candidate'
            ? `exemplar ${exemplar}: the candidate failed ${count} of ${total} invocations (${first})`
            : `exemplar ${exemplar}: the baseline also failed ${count} of ${total} invocations (${first}); check the exemplar`,
      });
    }
  }
  for (const variant of variants) {
    for (const c of variant.comparisons) {
      if (c.outcome === 'regression') {
        reasons.push({ kind: 'regression', variant: variant.id, message: `${variant.id}: ${describeComparison(c)} exceeds the ${(tolerance * 100).toFixed(0)}% tolerance` });
      } else if (c.outcome === 'inconclusive' && c.metric === 'warm') {
        reasons.push({
          kind: 'inconclusive',
          variant: variant.id,
          message: `${variant.id}: ${describeComparison(c)}; neither a regression nor its absence (within ${(tolerance * 100).toFixed(0)}%) could be shown within the sample cap`,
        });
      }
    }
  }
  const recommended = variants.find((v) => v.id === recommendedVariant);
  for (const check of recommended?.budgets ?? []) {
    if (check.ok) continue;
    const scope = isLatencyBudget(check) && variants.length > 1 ? ' (no variant meets it)' : '';
    const value = Number.isNaN(check.value) ? 'not measured' : `${check.value.toFixed(check.unit === 'USD' ? 3 : 1)} ${check.unit}`;
    reasons.push({ kind: 'budget', variant: recommended!.id, message: `${recommended!.id}: ${check.budget} is ${value}, over the budget of ${check.limit} ${check.unit}${scope}` });
  }
  if (integration) reasons.push(...integrationReasons(integration, tolerance));
  const failing = reasons.some((r) => r.kind === 'wrong-answer' || r.kind === 'regression' || r.kind === 'budget' || r.kind === 'test-failure');
  const verdict: Verdict = worstVerdict([failing ? 'fail' : 'pass', reasons.some((r) => r.kind === 'inconclusive') ? 'inconclusive' : 'pass']);
  return { verdict, reasons };
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
      const how = run.timedOut ? 'timed out' : run.exitCode === null ? `was killed (${run.signal ?? 'signal'})` : `exited with ${run.exitCode}`;
      const tail = run.outputTail.trim().split('\n').slice(-5).join('\n');
      reasons.push({
        kind: run.build === 'candidate' ? 'test-failure' : 'baseline-error',
        message: `integration command "${integration.command}" ${how} against the ${run.build}${tail ? `; last output:\n${tail}` : ''}`,
      });
    }
    if (!run.complete) {
      reasons.push({ kind: 'notice', message: `integration traffic (${run.build}): ${run.invocations} REPORT lines of ${run.starts} started invocations arrived within the log wait; figures may be short` });
    }
  }
  const unit = integration.mode === 'sequential' ? ' (compared run by run)' : '';
  for (const c of integration.comparisons) {
    if (c.outcome === 'regression') {
      reasons.push({ kind: 'regression', variant: integration.variant, message: `integration traffic at ${integration.variant}: ${describeComparison(c, 'round')}${unit} exceeds the ${(tolerance * 100).toFixed(0)}% tolerance` });
    }
  }
  for (const check of integration.budgets) {
    if (!check.ok && !Number.isNaN(check.value)) {
      reasons.push({ kind: 'budget', variant: integration.variant, message: `integration traffic at ${integration.variant}: ${check.budget} is ${check.value.toFixed(check.unit === 'USD' ? 3 : 1)} ${check.unit}, over the budget of ${check.limit} ${check.unit}` });
    }
  }
  return reasons;
}
