import { basename } from 'node:path';
import type { ProfileChange } from '../result/profile.js';
import type { ProfileNotice, ProfileReport } from '../result/profile.js';
import { changeText, coverageText, isProfileNotice, placeText, SHOWN_CHANGES, statusText } from './profile-lines.js';
import type { MetricComparison } from '../analysis/comparison.js';
import { commentState, sinceLastRun, stateMarker, type CommentState } from './comment-state.js';
import { escapeMarkdown } from './escape.js';
import {
  budgetValue,
  intervalName,
  pValueText,
  roundsText,
  changeWithInterval,
  money,
  ms,
  percentChange,
  signedPercent,
  tooFew,
  intervalEnds,
  bounded,
  boundedEnds,
  quotesSpreads,
  shortChange,
  SPREADS_EXPLAINED,
  unitsText,
} from './format.js';
import { headline, headlineText, trafficText, variantLabel, type TrafficAssumption } from './headline.js';
import { memoryCharts } from './mermaid.js';
import type { VariantResult, Verdict } from '../analysis/result.js';
import type { FunctionResult, GateReport, ReportedFinding, ReportContext } from '../result/model.js';

/** The hidden marker that finds the gate's PR comment again. */
const COMMENT_MARKER = '<!-- lambda-perf-gate -->';
/** GitHub's limit for a comment body. */
export const GITHUB_COMMENT_LIMIT = 65_536;

const ICON: Record<Verdict, string> = { pass: '✅', fail: '❌', inconclusive: '⚠️' };
/** How the footer names the backend. */
const BACKEND_NAME: Readonly<Record<GateReport['backend'], string>> = {
  aws: 'AWS',
  endpoint: 'Lambda-compatible endpoint',
  local: 'Local Lambda service',
};

/** Icons for the kinds of finding known today; a kind added later still shows, as information. */
const KIND_ICON: Readonly<Record<string, string>> = {
  regression: '❌',
  budget: '❌',
  'wrong-answer': '❌',
  'test-failure': '❌',
  inconclusive: '⚠️',
  'baseline-error': 'ℹ️',
  notice: 'ℹ️',
};
/** A finding's icon: by its kind, and ☑️ for a regression the pull request's label accepted. */
const findingIcon = (finding: ReportedFinding): string =>
  finding.about === 'accepted-regression' ? '☑️' : (KIND_ICON[finding.kind] ?? 'ℹ️');
/** A finding longer than this is cut above the fold; the details keep it whole. */
const SHORT_FINDING = 220;

/**
 * A finding as one short line: the statistics in parentheses (the table and the details say them)
 * are left out, and what remains is cut at a word. Parentheses with anything else (an error type)
 * stay.
 */
function shortFinding(message: string): string {
  let text = withoutStatistics(message.split(/\r?\n/)[0]!);
  if (text.length > SHORT_FINDING) {
    const space = text.lastIndexOf(' ', SHORT_FINDING - 1);
    text = `${text.slice(0, space > SHORT_FINDING / 2 ? space : SHORT_FINDING - 1)}…`;
  }
  return text;
}

function withoutStatistics(text: string): string {
  for (let before = ''; before !== text;) {
    before = text;
    text = text.replace(/ ?\((?:[^()]*(?:\bCI\b|\bp[<=]|\bn=\d|environment pairs|too few to bound)[^()]*)\)/, '');
  }
  return text;
}

/** Whether the short line leaves out more than the statistics the details' tables show. */
const cutShort = (message: string): boolean => shortFinding(message) !== withoutStatistics(message);

/**
 * A regression the compact table shows in its row (the gate's own finding about one of its
 * variants): listed together in one line instead of one line each.
 */
function shownInTable(f: FunctionResult, finding: ReportedFinding): boolean {
  return (
    finding.kind === 'regression' &&
    finding.about === 'comparison' &&
    finding.traffic === 'exemplars' &&
    f.variants.some((v) => v.id === finding.variant)
  );
}

/**
 * A finding about the integration traffic's warm comparison: the integration line above the fold
 * says it in short, so the finding itself is left to the details (said twice, once long and once
 * short, it read as two findings).
 */
function shownInIntegrationLine(f: FunctionResult, finding: ReportedFinding): boolean {
  return (
    f.integration !== undefined &&
    finding.about === 'comparison' &&
    finding.traffic === 'integration' &&
    finding.metric === 'warm'
  );
}

function regressionsLine(f: FunctionResult): string {
  const at = (metric: string): string[] =>
    f.variants
      .filter((v) => v.comparisons.some((c) => c.metric === metric && c.outcome === 'regression'))
      .map((v) => variantLabel(v, f));
  const parts = [
    { what: 'warm', where: at('warm') },
    { what: 'cold start', where: at('cold') },
  ]
    .filter(({ where }) => where.length)
    .map(({ what, where }) => `${what} at ${where.join(', ')}`);
  return parts.length ? `❌ Slower beyond the ${(f.tolerance * 100).toFixed(0)}% tolerance: ${parts.join('; ')}` : '';
}

function resultText(v: VariantResult): string {
  const warm = v.comparisons.find((c) => c.metric === 'warm');
  const cold = v.comparisons.find((c) => c.metric === 'cold');
  const parts: string[] = [];
  if (v.stopped) parts.push('❌ stopped');
  else if (!warm) parts.push('–');
  else if (warm.outcome === 'regression') parts.push('❌ slower');
  else if (warm.outcome === 'no-regression') parts.push(warm.ciHigh < 1 ? '✅ faster' : '✅');
  else parts.push('⚠️ inconclusive');
  if (cold?.outcome === 'regression') parts.push('❌ cold start slower');
  const overBudget = v.budgets.filter((b) => !b.ok).map((b) => escapeMarkdown(b.budget));
  if (overBudget.length) parts.push(`over budget: ${overBudget.join(', ')}`);
  return parts.join(', ');
}

function variantRow(f: FunctionResult, v: VariantResult): string {
  const warm = v.comparisons.find((c) => c.metric === 'warm');
  const recommended = v.id === f.recommended?.variant;
  const cells = [
    recommended ? `**${variantLabel(v, f)}** ⭐` : variantLabel(v, f),
    `${ms(v.baseline.warm.p50)} → ${ms(v.candidate.warm.p50)}`,
    `${ms(v.baseline.warm.p90)} → ${ms(v.candidate.warm.p90)}`,
    warm ? changeWithInterval(warm) : '–',
    `${money(v.baseline.cost.perMillionUsd)} → ${money(v.candidate.cost.perMillionUsd)} (${percentChange(v.costChangePercent)})`,
    resultText(v),
  ];
  return `| ${cells.join(' | ')} |`;
}

/**
 * Each exemplar's warm change at each variant, folded under the compact table, for a function
 * with two or more exemplars: which event got slower. The summary names the exemplar that changed
 * most at the variant the headline quotes.
 */
function exemplarDetails(f: FunctionResult): string {
  const shown = f.variants.filter((v) => (v.exemplars?.length ?? 0) >= 2 && v.exemplars?.some((e) => e.pairs > 0));
  if (!shown.length) return '';
  const quoted = headline(f).variant;
  const most = [...(quoted?.exemplars ?? [])]
    .filter((e) => Number.isFinite(e.ratio) && e.ratio > 0)
    .sort((a, b) => Math.abs(Math.log(b.ratio)) - Math.abs(Math.log(a.ratio)))[0];
  const summary =
    quoted && most
      ? `By exemplar: ${escapeMarkdown(most.exemplar)} changed most at ${variantLabel(quoted, f)} (${shortChange(most.ratio)})`
      : 'By exemplar';
  const lines = [
    `<details><summary>${summary}</summary>`,
    '',
    '| Variant | Exemplar | Warm p50 ms | Change | Pairs |',
    '|---|---|---|---|---|',
  ];
  for (const v of shown)
    for (const e of v.exemplars ?? [])
      lines.push(
        `| ${variantLabel(v, f)} | ${escapeMarkdown(e.exemplar)} | ${ms(e.baselineP50)} → ${ms(e.candidateP50)} | ${shortChange(e.ratio)} | ${e.pairs} |`,
      );
  lines.push(
    '',
    "<sub>The median of each exemplar's back-to-back pairs: which event changed, not a verdict (that rests on environment pairs).</sub>",
    '',
    '</details>',
  );
  return lines.join('\n');
}

function intervalText(c: MetricComparison): string {
  return intervalEnds(c, signedPercent, ' … ') ?? tooFew(c);
}

function integrationDetails(f: FunctionResult): string[] {
  const integration = f.integration;
  if (!integration) return [];
  const warm = integration.comparisons.find((c) => c.metric === 'warm');
  const lines = [
    '',
    `Integration traffic: <code>${escapeMarkdown(integration.command)}</code> at ${escapeMarkdown(integration.variant)} (${integration.mode === 'concurrent' ? 'builds side by side, invocations paired' : 'builds one after the other, compared run by run'})`,
    '',
    '| Build | Exit | Invocations | Warm n | Warm p50 ms | Warm p90 ms | Cold starts | Errors | Cost / 1M |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const build of ['baseline', 'candidate'] as const) {
    const runs = integration.runs.filter((r) => r.build === build);
    const exits = runs.map((r) => (r.timedOut ? 'timeout' : escapeMarkdown(String(r.exitCode ?? r.signal)))).join(', ');
    const s = integration[build];
    lines.push(
      `| ${build} | ${exits} | ${runs.reduce((n, r) => n + r.invocations, 0)} | ${s.warm.n} | ${ms(s.warm.p50)} | ${ms(s.warm.p90)} | ${s.cold.n} | ${s.errors} | ${money(s.cost.perMillionUsd)} |`,
    );
  }
  const rounds = warm?.rounds?.length
    ? ` By round: ${roundsText(warm.rounds)}; a decision must hold in every round.`
    : '';
  lines.push(
    '',
    warm ? `Warm change ${changeWithInterval(warm)}: ${warm.outcome}.${rounds}` : 'No warm invocations to compare.',
  );
  if (warm && bounded(warm)) lines.push('', `<sub>${integrationIntervalNote(warm)}</sub>`);
  return lines;
}

/** What each end of an interval that decided must clear, as the interval notes say it. */
const REGRESSION_NEEDS = '(a regression needs it above half the tolerance, and the estimate above the tolerance)';
const PASS_NEEDS = '(a pass needs it below the tolerance)';

/** What the integration traffic's interval is, at which levels its ends are, and what a side without an end means. */
function integrationIntervalNote(warm: MetricComparison): string {
  const { low, high } = boundedEnds(warm);
  const lower = "the false-alarm level of the metric's step in Holm's procedure across the integration metrics";
  const ends =
    low && high
      ? `Its lower end is at ${lower} ${REGRESSION_NEEDS}, its upper end at the pass level ${PASS_NEEDS}`
      : low
        ? `Its lower end is at ${lower} ${REGRESSION_NEEDS}; too few samples give it an upper end at the pass level, so no pass could be shown`
        : `Its upper end is at the pass level ${PASS_NEEDS}; too few samples give it a lower end at ${lower}, so no regression could be shown`;
  const rounds = warm.rounds?.length ? '; every round must also decide alike' : '';
  return `Interval: the ${escapeMarkdown(intervalName(warm))} that decided. ${ends}${rounds}.`;
}

/** The integration traffic's result in one line above the fold. */
function integrationLine(f: FunctionResult): string {
  const integration = f.integration;
  if (!integration) return '';
  const warm = integration.comparisons.find((c) => c.metric === 'warm');
  const icon = warm?.outcome === 'regression' ? '❌' : warm?.outcome === 'no-regression' ? '✅' : '⚠️';
  const variant = f.variants.find((v) => v.id === integration.variant);
  return `${icon} Integration traffic at ${variant ? variantLabel(variant, f) : escapeMarkdown(integration.variant)}: ${warm ? `warm ${changeWithInterval(warm)}, ${warm.outcome}` : 'no warm invocations to compare'}`;
}

function details(f: FunctionResult, traffic: TrafficAssumption): string {
  const lines: string[] = ['<details><summary>Statistics, environment pairs, budgets</summary>', ''];
  const cut = f.findings.filter((r) => cutShort(r.message) || shownInIntegrationLine(f, r));
  if (cut.length) {
    lines.push('Findings in full:', '');
    for (const finding of cut) lines.push(`- ${findingIcon(finding)} ${escapeMarkdown(finding.message)}`);
    lines.push('');
  }
  lines.push(
    '| Variant | Metric | Change | Interval | p (slower) | n base/cand | Outcome | Evidence |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const v of f.variants) {
    for (const c of v.comparisons) {
      lines.push(
        `| ${variantLabel(v, f)} | ${c.metric} | ${signedPercent(c.ratio)} | ${intervalText(c)} | ${pValueText(c.pValue)} | ${c.nBaseline}/${c.nCandidate} | ${c.outcome} | ${unitsText(c)} |`,
      );
    }
  }
  const repeated = f.variants.flatMap((v) => v.comparisons).find((c) => c.repeated);
  if (repeated)
    lines.push(
      '',
      `<sub>Interval: the ${escapeMarkdown(intervalName(repeated))} of the look that decided. Its lower end is at the share of the false-alarm rate that look spent ${REGRESSION_NEEDS}, its upper end at the pass level ${PASS_NEEDS}.</sub>`,
    );
  if (f.variants.some((v) => v.comparisons.some((c) => quotesSpreads(unitsText(c)))))
    lines.push('', `<sub>${escapeMarkdown(SPREADS_EXPLAINED)}</sub>`);
  lines.push(
    '',
    `| Variant | Build | Warm n | p50 | p90 | p99 | Cold n | Cold p50 | Cold p90 | Init p50 | Max memory | Errors | Cost / invocation | Monthly at ${trafficText(traffic)} |`,
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const v of f.variants) {
    for (const [build, s] of [
      ['baseline', v.baseline],
      ['candidate', v.candidate],
    ] as const) {
      lines.push(
        `| ${variantLabel(v, f)} | ${build} | ${s.warm.n} | ${ms(s.warm.p50)} | ${ms(s.warm.p90)} | ${ms(s.warm.p99)} | ${s.cold.n} | ${ms(s.cold.p50)} | ${ms(s.cold.p90)} | ${ms(s.init.p50)} | ${s.maxMemoryUsedMb}/${v.memoryMb} MB | ${s.errors + s.wrongAnswers} | ${Number.isFinite(s.cost.perInvocationUsd) ? `\\$${s.cost.perInvocationUsd.toExponential(3)}` : '–'} | ${money(s.cost.monthlyUsd)} |`,
      );
    }
  }
  const budgets = f.variants.flatMap((v) =>
    v.budgets.map(
      (b) =>
        `| ${variantLabel(v, f)} | ${escapeMarkdown(b.budget)} | ${b.limit} ${b.unit} | ${budgetValue(b)} | ${b.ok ? '✅' : '❌'} |`,
    ),
  );
  if (budgets.length) lines.push('', '| Variant | Budget | Limit | Candidate | |', '|---|---|---|---|---|', ...budgets);
  lines.push(...integrationDetails(f));
  lines.push(
    '',
    `Tolerance ${(f.tolerance * 100).toFixed(0)}%. ${f.invocations.total} invocations (${f.invocations.baseline} baseline, ${f.invocations.candidate} candidate), ${f.invocations.retries} retried API calls, measuring cost ${money(f.invocations.costUsd)}. Exemplars: ${f.exemplars.map((e) => `${escapeMarkdown(e.name)}×${e.weight}`).join(', ')}. Perf function: <code>${escapeMarkdown(f.perfFunction)}</code> (deleted).${f.recommended ? ` Recommendation: ${escapeMarkdown(f.recommended.why)}.` : ''}`,
    '',
    '</details>',
  );
  return lines.join('\n');
}

/** How much of a function's section to render: everything, or less to fit the size limit. */
type Depth = 'full' | 'no-charts' | 'no-details' | 'findings';

function functionSection(
  f: FunctionResult,
  several: boolean,
  charts: boolean,
  depth: Depth,
  traffic: TrafficAssumption,
): string {
  const lines: string[] = [];
  if (several) lines.push(`#### ${ICON[f.verdict]} ${escapeMarkdown(f.name)}`, '');
  const inTable = f.findings.filter((r) => shownInTable(f, r));
  const regressions = inTable.length ? regressionsLine(f) : '';
  const findings = [
    ...(regressions ? [`- ${regressions}`] : []),
    ...f.findings
      .filter((r) => (!regressions || !inTable.includes(r)) && !shownInIntegrationLine(f, r))
      .map((r) => `- ${findingIcon(r)} ${escapeMarkdown(shortFinding(r.message))}`),
  ];
  const integration = integrationLine(f);
  if (integration) findings.push(`- ${integration}`);
  if (f.profile) findings.push(`- ${profileLine(f.profile)}`);
  if (findings.length) lines.push(...findings, '');
  if (findings.some(quotesSpreads)) lines.push(`<sub>${escapeMarkdown(SPREADS_EXPLAINED)}</sub>`, '');
  if (depth !== 'findings') {
    lines.push('| Variant | p50 ms | p90 ms | Warm change | Cost / 1M | Result |', '|---|---|---|---|---|---|');
    for (const v of f.variants) lines.push(variantRow(f, v));
  }
  const byExemplar = depth === 'full' || depth === 'no-charts' ? exemplarDetails(f) : '';
  if (byExemplar) lines.push('', byExemplar);
  const drawn = charts && depth === 'full' ? memoryCharts(f) : '';
  if (drawn)
    lines.push('', '<details><summary>Chart: duration and cost against memory</summary>', '', drawn, '', '</details>');
  if ((depth === 'full' || depth === 'no-charts') && f.profile) lines.push('', profileDetails(f.profile));
  if (depth === 'full' || depth === 'no-charts') lines.push('', details(f, traffic));
  return lines.join('\n').trimEnd();
}

const functionCode = (change: ProfileChange): string =>
  `${statusText(change)}<code>${escapeMarkdown(change.function)}</code> (${escapeMarkdown(placeText(change))})`;

/** Under the headline: the functions whose time per call changed most, or why there is no profile. */
function profileLine(profile: ProfileReport | ProfileNotice): string {
  if (isProfileNotice(profile)) return `ℹ️ ${escapeMarkdown(profile.notice)}`;
  if (!profile.changes.length) return '🔎 where: no function changed beyond sampling noise (profiled locally)';
  const shown = profile.changes.slice(0, SHOWN_CHANGES).map((c) => `${functionCode(c)} ${changeText(c)}`);
  const more = profile.changes.length - shown.length;
  return `🔎 where: ${shown.join('; ')}${more > 0 ? `; ${more} more below` : ''}`;
}

/** Every change the profile showed, folded, with what it covered and where its files are. */
function profileDetails(profile: ProfileReport | ProfileNotice): string {
  if (isProfileNotice(profile)) return '';
  const lines = [
    `<details><summary>Profile: ${profile.changes.length} function${profile.changes.length === 1 ? '' : 's'} changed</summary>`,
    '',
    `${escapeMarkdown(profile.statement)} ${escapeMarkdown(coverageText(profile))}. Self time per call (the function on top of the stack); intervals hold for all functions together at 95%.`,
  ];
  if (profile.changes.length) {
    lines.push(
      '',
      '| Function | Where | Baseline ms/call | Candidate ms/call | Change | Total ms/call (with callees) |',
      '|---|---|---|---|---|---|',
    );
    for (const c of profile.changes)
      lines.push(
        `| ${statusText(c)}<code>${escapeMarkdown(c.function)}</code> | ${escapeMarkdown(placeText(c))} | ${c.baselineMsPerCall.toFixed(3)} | ${c.candidateMsPerCall.toFixed(3)} | ${changeText(c)} | ${c.baselineTotalMsPerCall.toFixed(3)} → ${c.candidateTotalMsPerCall.toFixed(3)} |`,
      );
  }
  if (profile.files)
    lines.push(
      '',
      `Profiles: <code>${escapeMarkdown(basename(profile.files.baseline))}</code>, <code>${escapeMarkdown(basename(profile.files.candidate))}</code> (beside the report).`,
    );
  lines.push('', '</details>');
  return lines.join('\n');
}

function headlineLine(f: FunctionResult, traffic: TrafficAssumption): string {
  return `${ICON[f.verdict]} **${escapeMarkdown(f.name)}**${headlineText(f, headline(f), traffic)}`;
}

/** A commit as a code span: only a SHA's hex digits, so nothing can leave the span. */
function commitText(commit: { sha: string; ref?: string } | undefined): string | undefined {
  if (!commit || !/^[0-9a-f]{7,40}$/i.test(commit.sha)) return undefined;
  return `\`${commit.sha.slice(0, 7)}\`${commit.ref ? ` (<code>${escapeMarkdown(commit.ref)}</code>)` : ''}`;
}

/**
 * A workflow run's address, only if it has the shape GitHub gives one (a report file may come
 * from the pull request's own code and say anything).
 */
export function safeRunUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/actions\/runs\/\d+(\/attempts\/\d+)?$/.test(
    url,
  )
    ? url
    : undefined;
}

function contextLine(context: ReportContext | undefined): string {
  if (!context) return '';
  const head = commitText(context.head);
  const base = commitText(context.base);
  const comparing = head && base ? `Comparing ${head} with ${base}` : head ? `Measured ${head}` : '';
  const url = safeRunUrl(context.runUrl);
  const run = url ? `[workflow run](${url})` : '';
  return [comparing, run].filter(Boolean).join(' · ');
}

export interface MarkdownOptions {
  /** Longest allowed result; GitHub's comment limit by default. */
  readonly limit?: number;
  /** Mermaid charts of duration and cost against memory (GitHub draws them); on by default. */
  readonly charts?: boolean;
  /** Tells this configuration's comment apart from others' in the same PR; adds the hidden state line. */
  readonly key?: string;
  /** The workflow that writes the comment (with key): another workflow's comment with the same key is not this one. */
  readonly workflow?: string;
  /** What the previous version of the comment showed, to say what changed since. */
  readonly previous?: CommentState;
  /** The label that accepts a regression (the action's), named on a failing comment that has one. */
  readonly acceptLabel?: string;
}

/** How to accept an intended slowdown, on a comment that fails on a regression and knows the label. */
function acceptHint(report: GateReport, label: string | undefined): string[] {
  const regressed = report.functions.some((f) => f.findings.some((r) => r.kind === 'regression'));
  if (report.verdict !== 'fail' || !label || !regressed) return [];
  return [
    `💡 Slower on purpose? Add the label ${escapeMarkdown(label)} to the pull request and run the workflow again: the regression is then accepted (budgets and errors still fail).`,
  ];
}

/**
 * The marker line that identifies a comment: the configuration's key, the verdict it showed and,
 * when known, the workflow that wrote it.
 */
export function commentMarker(key: string, verdict: Verdict, workflow?: string): string {
  const by = workflow ? ` workflow=${encodeURIComponent(workflow)}` : '';
  return `<!-- lambda-perf-gate key=${encodeURIComponent(key)} verdict=${verdict}${by} -->`;
}

/** How the builds were sampled, in one line: environment pairs, or duet environments. */
export function samplingLine(report: GateReport): string {
  const { maxEnvironmentPairs, pairsPerEnvironment, design } = report.settings;
  if (design === 'duet')
    return `duet: up to ${maxEnvironmentPairs} environments per variant, each holding both builds and driven by ${pairsPerEnvironment} warm pairs; cold starts not compared, Max Memory Used is both builds'`;
  return `up to ${maxEnvironmentPairs} environment pairs per variant, ${pairsPerEnvironment} warm pairs and a cold start each`;
}

/** Where the Durations came from, in one line: on the local service, which clock measured. */
export function durationSource(report: GateReport): string {
  const clock = report.platform.clock?.kind;
  if (clock === 'model') return "durations by the local service's model clock (CPU time through Lambda's CPU model)";
  if (clock === 'wall') return "durations by the host's wall clock, not Lambda's CPU model";
  return 'durations from Lambda REPORT lines';
}

/**
 * The report as markdown, which becomes the PR comment and the job summary. Above the fold: the
 * verdict, the commits compared and the run, what changed since the last comment, notices, one
 * headline per function, findings one short line each and one compact table; charts, statistics,
 * environment pairs and budgets folded. Trimmed to the limit with a notice when it would not fit:
 * charts go first, then the folded details, then the tables.
 */
export function renderMarkdown(report: GateReport, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const state = commentState(report);
  const notices = [
    ...(report.platform.cpuScaledByMemory ? [] : [`⚠️ ${escapeMarkdown(report.platform.statement)}`]),
    ...(report.memoryChanges ?? []).map(
      (m) => `${m.applied ? '🔧' : 'ℹ️'} ${escapeMarkdown(m.function)}: ${escapeMarkdown(shortFinding(m.note))}`,
    ),
    ...acceptHint(report, options.acceptLabel),
  ];
  const context = contextLine(report.context);
  const since = sinceLastRun(options.previous, state);
  const several = report.functions.length > 1;
  const header = [
    ...(options.key === undefined
      ? [COMMENT_MARKER]
      : [commentMarker(options.key, report.verdict, options.workflow), stateMarker(state)]),
    `## ${ICON[report.verdict]} lambda-perf-gate: ${report.verdict}`,
    ...(context || since
      ? ['', ...[context, since].filter(Boolean).map((line, i, all) => (i < all.length - 1 ? `${line}<br>` : line))]
      : []),
    ...notices.flatMap((n) => ['', `> ${n}`]),
    '',
    ...report.functions.map((f) =>
      several ? `- ${headlineLine(f, report.settings)}` : headlineLine(f, report.settings),
    ),
  ];
  const footer = `<sub>${BACKEND_NAME[report.backend]}${report.backend === 'local' ? '' : ` ${escapeMarkdown(report.region)}`} · ${Math.round(report.settings.confidence * 100)}% confidence · ${samplingLine(report)} · ${durationSource(report)} · seed ${report.settings.seed} · report schema v${report.schemaVersion}</sub>`;
  const render = (depth: Depth, notice = ''): string =>
    [
      ...header,
      '',
      report.functions
        .map((f) => functionSection(f, several, options.charts ?? true, depth, report.settings))
        .join('\n\n'),
      ...(notice ? ['', notice] : []),
      '',
      footer,
    ].join('\n');
  const full = render('full');
  if (full.length <= limit) return full;
  const notice =
    "> ✂️ Trimmed to fit GitHub's size limit: the full figures are in the JSON report and the job summary.";
  for (const depth of ['no-charts', 'no-details', 'findings'] as const) {
    const body = render(depth, notice);
    if (body.length <= limit) return body;
  }
  // Cut at a line, so no tag, entity or escape is left half written.
  const body = render('findings');
  const room = limit - notice.length - 2;
  return `${body.slice(0, Math.max(0, body.lastIndexOf('\n', room)))}\n\n${notice}`.slice(0, limit);
}
