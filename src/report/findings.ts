import type { MetricComparison } from '../analysis/comparison.js';
import type { EveryCallFailed, Finding, IntegrationResult, VariantResult } from '../analysis/result.js';
import { assertNever } from '../assert-never.js';
import { checkBudgets } from '../analysis/budgets.js';
import { budgetValue, intervalEnds, intervalName, pValue, roundsText, signedPercent as pct } from './format.js';
import type { ReportedFinding } from '../result/model.js';
import type { SamplingDesign } from '../config/types.js';

/** What a finding's sentence is drawn from besides the finding: the function's comparisons and tolerance. */
export interface FindingContext {
  readonly variants: readonly VariantResult[];
  readonly integration?: IntegrationResult;
  readonly tolerance: number;
  /** `duet`: both builds shared each environment, so there were no cold starts to compare. */
  readonly design?: SamplingDesign;
}

const metricLabel = (c: MetricComparison): string => (c.metric === 'warm' ? 'warm duration' : 'cold start');

/** An interval in a sentence: `94.5% repeated CI +15.4% to +32.4%`, `94% CI below +4.0%`, or that it has no bounded end. */
function intervalOf(c: MetricComparison): string {
  const ends = intervalEnds(c, pct, ' to ');
  return ends === undefined ? 'too few to bound' : `${intervalName(c)} ${ends}`;
}

/** The comparison in one line; integration comparisons name their rounds. */
function describeComparison(c: MetricComparison): string {
  const units = c.environmentPairs
    ? `${c.units} environment pairs, ${c.nBaseline} warm pairs`
    : c.rounds?.length
      ? `n=${c.nBaseline}/${c.nCandidate}; by round ${roundsText(c.rounds)}`
      : `n=${c.nBaseline}/${c.nCandidate}`;
  const interval = intervalOf(c);
  return `${metricLabel(c)} ${pct(c.ratio)} (${interval}, p${pValue(c.pValue)}, ${units})`;
}

type ComparisonFinding = Extract<Finding, { about: 'comparison' }>;

/** The comparison a finding names, from the variant's (or the integration profile's) comparisons. */
function comparisonOf(finding: ComparisonFinding, context: FindingContext): MetricComparison | undefined {
  const comparisons =
    finding.traffic === 'integration'
      ? context.integration?.comparisons
      : context.variants.find((v) => v.id === finding.variant)?.comparisons;
  return comparisons?.find((c) => c.metric === finding.metric);
}

function comparisonText(finding: ComparisonFinding, context: FindingContext): string {
  const c = comparisonOf(finding, context);
  const tolerance = `${(context.tolerance * 100).toFixed(0)}%`;
  const where = finding.traffic === 'integration' ? `integration traffic at ${finding.variant}` : finding.variant;
  const compared = c ? describeComparison(c) : `${finding.metric} (no comparison in the report)`;
  const unit =
    finding.traffic === 'integration' && context.integration?.mode === 'sequential' ? ' (compared run by run)' : '';
  if (finding.kind === 'regression') return `${where}: ${compared}${unit} exceeds the ${tolerance} tolerance`;
  return `${where}: ${compared}; neither a regression nor its absence (within ${tolerance}) could be shown${c?.reason ? `: ${c.reason}` : ''}`;
}

function howItEnded(f: Extract<Finding, { about: 'integration-command' }>): string {
  if (f.timedOut) return 'timed out';
  return f.exitCode === null ? `was killed (${f.signal ?? 'signal'})` : `exited with ${f.exitCode}`;
}

function errorsText(f: Extract<Finding, { about: 'errors' }>): string {
  const { candidate: c, baseline: b } = f;
  if (c.failed === 0)
    return `exemplar ${f.exemplar}: the baseline failed ${b.failed} of ${b.calls} invocations (${f.errorType}); check the exemplar`;
  const counts = `exemplar ${f.exemplar}: the candidate failed ${c.failed} of ${c.calls} invocations, the baseline ${b.failed} of ${b.calls} (${f.errorType})`;
  if (f.kind !== 'notice') return counts;
  return b.failed > 0
    ? `${counts}: both builds alike, so taken for platform noise, not a finding`
    : `${counts}: too few to tell from chance; a rerun shows whether it persists`;
}

function neverRunsText(f: Extract<Finding, { about: 'never-runs' }>): string {
  const { candidate: c, baseline: b } = f;
  const error = (e: EveryCallFailed): string => (e.errorMessage ? `${e.errorType}: ${e.errorMessage}` : e.errorType);
  const what = error(c) === error(b) ? error(c) : `the candidate with ${error(c)}; the baseline with ${error(b)}`;
  return `exemplar ${f.exemplar}: both builds fail every call (the candidate ${c.failed} of ${c.calls}, the baseline ${b.failed} of ${b.calls}): ${what}`;
}

function coldNotShownText(finding: Extract<Finding, { about: 'cold-not-shown' }>, context: FindingContext): string {
  if (context.design === 'duet')
    return `cold start: not compared (sampling.design: duet runs both builds in each environment, so its INIT is both builds'): the verdict at ${finding.variants.join(', ')} covers warm duration only`;
  const each = finding.variants.map((id) => {
    const cold = context.variants.find((v) => v.id === id)?.comparisons.find((c) => c.metric === 'cold');
    if (!cold) return `${id} (no clean cold starts to compare)`;
    return `${id} (${pct(cold.ratio)}, ${intervalOf(cold)}, ${cold.units} environment pairs)`;
  });
  const tolerance = `${(context.tolerance * 100).toFixed(0)}%`;
  return `cold start: not enough evidence at ${each.join(', ')}: neither slower nor within ${tolerance} was shown, so the verdict there covers warm duration only`;
}

/** Said beside a blown budget when the baseline blew it too: the pull request did not cause it. */
function baselineAlsoOver(finding: Extract<Finding, { about: 'budget' }>, context: FindingContext): string {
  const variant = context.variants.find((v) => v.id === finding.variant);
  if (finding.traffic !== 'exemplars' || !variant) return '';
  const [check] = checkBudgets(variant.baseline, { [finding.check.budget]: finding.check.limit });
  return check && !check.ok && !Number.isNaN(check.value)
    ? `; the baseline already exceeds it (${budgetValue(check)})`
    : '';
}

/** A finding in one sentence (the first line; a failing command's output follows on the next lines). */
export function findingText(finding: Finding, context: FindingContext): string {
  switch (finding.about) {
    case 'comparison':
      return comparisonText(finding, context);
    case 'budget': {
      const { check } = finding;
      const value = Number.isNaN(check.value) ? 'not measured' : budgetValue(check);
      const where = finding.traffic === 'integration' ? `integration traffic at ${finding.variant}` : finding.variant;
      return `${where}: ${check.budget} is ${value}, over the budget of ${check.limit} ${check.unit}${finding.noVariantMeetsIt ? ' (no variant meets it)' : ''}${baselineAlsoOver(finding, context)}`;
    }
    case 'wrong-answers':
      return finding.build === 'candidate'
        ? `exemplar ${finding.exemplar}: the candidate answered ${finding.wrong} of ${finding.calls} invocations wrongly (${finding.example})`
        : `exemplar ${finding.exemplar}: the baseline also answered ${finding.wrong} of ${finding.calls} invocations wrongly (${finding.example}); check the exemplar`;
    case 'errors':
      return errorsText(finding);
    case 'never-runs':
      return neverRunsText(finding);
    case 'integration-command':
      return `integration command "${finding.command}" ${howItEnded(finding)} against the ${finding.build}${finding.outputTail ? `; last output:\n${finding.outputTail}` : ''}`;
    case 'integration-incomplete':
      return `integration traffic (${finding.build}): ${finding.invocations} REPORT lines of ${finding.starts} started invocations arrived within the log wait; figures may be short`;
    case 'measured-on':
      return `${finding.architecture} timings measured on an ${finding.host} host: they describe this host's CPU, not ${finding.architecture} Lambda, so ${finding.variant} is never recommended`;
    case 'cold-not-shown':
      return coldNotShownText(finding, context);
    case 'host-limitation':
      return `local host: ${finding.text}`;
    case 'price':
      return `price: ${finding.text}`;
    default:
      return assertNever(finding);
  }
}

/** The findings with their sentences, as the report carries them. */
export function reportedFindings(findings: readonly Finding[], context: FindingContext): ReportedFinding[] {
  return findings.map((finding) => ({ ...finding, message: findingText(finding, context) }));
}

/**
 * A regression the pull request's label accepts: a notice that keeps the regression (its data and
 * its sentence) and no longer fails.
 */
export function acceptedRegression(regression: ReportedFinding, label: string): ReportedFinding {
  return {
    kind: 'notice',
    about: 'accepted-regression',
    label,
    ...(regression.variant === undefined ? {} : { variant: regression.variant }),
    accepted: regression,
    message: `regression accepted by label "${label}": ${regression.message}`,
  };
}
