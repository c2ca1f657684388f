import type { Build, Sample } from '../model/sample.js';
import { isLatencyBudget } from './budgets.js';
import {
  verdictOf,
  type EveryCallFailed,
  type Finding,
  type IntegrationResult,
  type Verdict,
  type VariantResult,
} from './result.js';

interface Failures {
  calls: number;
  wrong: number;
  firstWrong: string;
  /** Count per error type. */
  errors: Map<string, number>;
  /** The first message seen per error type. */
  messages: Map<string, string>;
}

const noFailures = (): Failures => ({
  calls: 0,
  wrong: 0,
  firstWrong: '',
  errors: new Map<string, number>(),
  messages: new Map<string, string>(),
});

function failuresByExemplar(samples: readonly Sample[]): Map<string, Failures> {
  const byExemplar = new Map<string, Failures>();
  for (const sample of samples) {
    const entry = byExemplar.get(sample.exemplar) ?? noFailures();
    entry.calls++;
    if (sample.errorType) {
      entry.errors.set(sample.errorType, (entry.errors.get(sample.errorType) ?? 0) + 1);
      if (sample.errorMessage && !entry.messages.has(sample.errorType))
        entry.messages.set(sample.errorType, sample.errorMessage);
    } else if (sample.wrongAnswer) {
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

/** A build failed every call it made, and with what (its most frequent error type), or undefined. */
function everyCallFailed(f: Failures): EveryCallFailed | undefined {
  let failed = 0;
  let errorType = '';
  for (const [type, count] of f.errors) {
    failed += count;
    if (count > (f.errors.get(errorType) ?? 0)) errorType = type;
  }
  if (f.calls === 0 || failed < f.calls) return undefined;
  const errorMessage = f.messages.get(errorType);
  return { failed, calls: f.calls, errorType, ...(errorMessage ? { errorMessage } : {}) };
}

/**
 * What the candidate's and the baseline's errors and wrong answers say. When both builds failed
 * every call of an exemplar, the function never ran: that fails, whatever the baseline did, since
 * nothing was measured and no build can be called working. A wrong answer of the candidate is
 * always a finding. An error type counts against the candidate when it fails more often than the
 * baseline beyond chance (one-sided binomial test on the two builds' counts of that type, given
 * their calls), or on every call of an exemplar the baseline answered at least once. Only what
 * fails sometimes and alike in both builds is taken for a platform fault (a killed environment, a
 * throttled host) and reported as such, never as a finding against one build.
 */
function failureFindings(samples: readonly Sample[], alpha: number): Finding[] {
  const findings: Finding[] = [];
  const candidate = failuresByExemplar(samples.filter((s) => s.build === 'candidate'));
  const baseline = failuresByExemplar(samples.filter((s) => s.build === 'baseline'));
  for (const exemplar of new Set([...candidate.keys(), ...baseline.keys()])) {
    const c = candidate.get(exemplar) ?? noFailures();
    const b = baseline.get(exemplar) ?? noFailures();
    const candidateFailed = everyCallFailed(c);
    const baselineFailed = everyCallFailed(b);
    if (candidateFailed && baselineFailed) {
      findings.push({
        kind: 'wrong-answer',
        about: 'never-runs',
        exemplar,
        candidate: candidateFailed,
        baseline: baselineFailed,
      });
      continue;
    }
    const wrong = (kind: 'wrong-answer' | 'baseline-error', build: Build, f: Failures): Finding => ({
      kind,
      about: 'wrong-answers',
      exemplar,
      build,
      wrong: f.wrong,
      calls: f.calls,
      example: f.firstWrong,
    });
    if (c.wrong) findings.push(wrong('wrong-answer', 'candidate', c));
    if (b.wrong) findings.push(wrong('baseline-error', 'baseline', b));
    for (const errorType of new Set([...c.errors.keys(), ...b.errors.keys()])) {
      const inCandidate = c.errors.get(errorType) ?? 0;
      const inBaseline = b.errors.get(errorType) ?? 0;
      const share = c.calls / Math.max(1, c.calls + b.calls);
      const beyondChance = inCandidate > 0 && binomialUpperTail(inCandidate, inCandidate + inBaseline, share) < alpha;
      // The candidate never answered, where the baseline did at least once (both never answering is dealt with above).
      const always = inCandidate > 0 && candidateFailed !== undefined;
      findings.push({
        kind: inCandidate === 0 ? 'baseline-error' : beyondChance || always ? 'wrong-answer' : 'notice',
        about: 'errors',
        exemplar,
        errorType,
        candidate: { failed: inCandidate, calls: c.calls },
        baseline: { failed: inBaseline, calls: b.calls },
      });
    }
  }
  return findings;
}

/**
 * A function's verdict. Fail: the candidate answered an exemplar wrongly or with an error (a
 * wrong answer is worse than a slow one), a regression was shown, or the recommended variant
 * breaks a budget. Inconclusive: for some variant neither a regression nor its absence could be
 * shown within the sample cap. Pass otherwise. A variant that passes on warm duration without its
 * cold starts shown unchanged gets a notice that says so: the pass does not cover them.
 */
export function functionVerdict(
  samples: readonly Sample[],
  variants: readonly VariantResult[],
  recommendedVariant: string | undefined,
  alpha: number,
  integration?: IntegrationResult,
): { verdict: Verdict; findings: Finding[] } {
  const findings: Finding[] = failureFindings(samples, alpha);
  for (const variant of variants) {
    for (const c of variant.comparisons) {
      if (c.outcome === 'regression' || (c.outcome === 'inconclusive' && c.metric === 'warm'))
        findings.push({
          kind: c.outcome,
          about: 'comparison',
          traffic: 'exemplars',
          variant: variant.id,
          metric: c.metric,
        });
    }
  }
  const coldNotShown = variants
    .filter(
      (v) =>
        !v.stopped &&
        v.comparisons.some((c) => c.metric === 'warm' && c.outcome === 'no-regression') &&
        !v.comparisons.some((c) => c.metric === 'cold' && c.outcome !== 'inconclusive'),
    )
    .map((v) => v.id);
  if (coldNotShown.length) findings.push({ kind: 'notice', about: 'cold-not-shown', variants: coldNotShown });
  const recommended = variants.find((v) => v.id === recommendedVariant);
  for (const check of recommended?.budgets ?? []) {
    if (check.ok) continue;
    findings.push({
      kind: 'budget',
      about: 'budget',
      traffic: 'exemplars',
      variant: recommended!.id,
      check,
      noVariantMeetsIt: isLatencyBudget(check) && variants.length > 1,
    });
  }
  if (integration) findings.push(...integrationFindings(integration));
  return { verdict: verdictOf(findings), findings };
}

/**
 * What the integration profile adds: a failing command is a failing test, reported with its
 * output, never as a slowdown; a regression or a blown budget in that traffic counts like the
 * exemplars'. An inconclusive comparison of this (unplanned) traffic is shown, not a finding.
 */
function integrationFindings(integration: IntegrationResult): Finding[] {
  const findings: Finding[] = [];
  for (const run of integration.runs) {
    if (run.timedOut || run.exitCode !== 0)
      findings.push({
        kind: run.build === 'candidate' ? 'test-failure' : 'baseline-error',
        about: 'integration-command',
        build: run.build,
        command: integration.command,
        exitCode: run.exitCode,
        signal: run.signal,
        timedOut: run.timedOut,
        outputTail: run.outputTail.trim().split('\n').slice(-5).join('\n'),
      });
    if (!run.complete)
      findings.push({
        kind: 'notice',
        about: 'integration-incomplete',
        build: run.build,
        invocations: run.invocations,
        starts: run.starts,
      });
  }
  for (const c of integration.comparisons) {
    if (c.outcome === 'regression')
      findings.push({
        kind: 'regression',
        about: 'comparison',
        traffic: 'integration',
        variant: integration.variant,
        metric: c.metric,
      });
  }
  for (const check of integration.budgets) {
    if (!check.ok && !Number.isNaN(check.value))
      findings.push({
        kind: 'budget',
        about: 'budget',
        traffic: 'integration',
        variant: integration.variant,
        check,
        noVariantMeetsIt: false,
      });
  }
  return findings;
}
