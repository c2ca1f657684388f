import type { MetricComparison } from '../analysis/comparison.js';
import { ms, percentChange, blocksText, signedPercent, unitsText, usd } from './format.js';
import { memoryCharts } from './mermaid.js';
import type { FunctionResult, GateReport, Reason, Verdict, VariantResult } from './model.js';

/** The hidden marker that finds the gate's PR comment again. */
export const COMMENT_MARKER = '<!-- lambda-perf-gate -->';
/** GitHub's limit for a comment body. */
export const GITHUB_COMMENT_LIMIT = 65_536;

const ICON: Record<Verdict, string> = { pass: '✅', fail: '❌', inconclusive: '⚠️' };
const REASON_ICON: Record<Reason['kind'], string> = { regression: '❌', budget: '❌', 'wrong-answer': '❌', 'test-failure': '❌', inconclusive: '⚠️', 'baseline-error': 'ℹ️', notice: 'ℹ️' };

function outcomeText(c: MetricComparison | undefined): string {
  if (!c) return '–';
  if (c.outcome === 'regression') return '❌ regression';
  if (c.outcome === 'no-regression') return c.ciHigh < 1 ? '✅ faster' : '✅ no regression';
  return '⚠️ inconclusive';
}

function variantRow(v: VariantResult, recommended: boolean): string {
  const warm = v.comparisons.find((c) => c.metric === 'warm');
  const cold = v.comparisons.find((c) => c.metric === 'cold');
  const failedBudgets = v.budgets.filter((b) => !b.ok).map((b) => b.budget);
  const cells = [
    `${recommended ? '**' : ''}${v.id}${recommended ? '** ⭐' : ''}`,
    `${ms(v.baseline.warm.p50)} → ${ms(v.candidate.warm.p50)}`,
    warm ? `${signedPercent(warm.ratio)} (${signedPercent(warm.ciLow)} … ${signedPercent(warm.ciHigh)})` : '–',
    `${ms(v.baseline.warm.p90)} → ${ms(v.candidate.warm.p90)}`,
    `${ms(v.baseline.cold.p90)} → ${ms(v.candidate.cold.p90)}${cold?.outcome === 'regression' ? ' ❌' : ''}`,
    `${usd(v.baseline.cost.perMillionUsd)} → ${usd(v.candidate.cost.perMillionUsd)} (${percentChange(v.costChangePercent)})`,
    `${v.candidate.maxMemoryUsedMb}/${v.memoryMb} MB`,
    `${outcomeText(warm)}${failedBudgets.length ? `, over budget: ${failedBudgets.join(', ')}` : ''}`,
  ];
  return `| ${cells.join(' | ')} |`;
}

function details(f: FunctionResult): string {
  const lines: string[] = ['<details><summary>Details</summary>', ''];
  lines.push('| Variant | Build | Warm n | p50 | p90 | p99 | Cold n | Cold p50 | Init p50 | Max memory | Errors | Cost / invocation | Monthly |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const v of f.variants) {
    for (const [build, s] of [['baseline', v.baseline], ['candidate', v.candidate]] as const) {
      lines.push(
        `| ${v.id} | ${build} | ${s.warm.n} | ${ms(s.warm.p50)} | ${ms(s.warm.p90)} | ${ms(s.warm.p99)} | ${s.cold.n} | ${ms(s.cold.p50)} | ${ms(s.init.p50)} | ${s.maxMemoryUsedMb} MB | ${s.errors + s.wrongAnswers} | $${s.cost.perInvocationUsd.toExponential(3)} | ${usd(s.cost.monthlyUsd)} |`,
      );
    }
  }
  const budgets = f.variants.flatMap((v) => v.budgets.map((b) => `| ${v.id} | ${b.budget} | ${b.limit} ${b.unit} | ${Number.isNaN(b.value) ? '–' : b.value.toFixed(b.unit === 'USD' ? 3 : 1)} ${b.unit} | ${b.ok ? '✅' : '❌'} |`));
  if (budgets.length) lines.push('', '| Variant | Budget | Limit | Candidate | |', '|---|---|---|---|---|', ...budgets);
  const comparisons = f.variants.flatMap((v) =>
    v.comparisons.map((c) => `| ${v.id} | ${c.metric} | ${signedPercent(c.ratio)} | ${signedPercent(c.ciLow)} … ${signedPercent(c.ciHigh)} | ${c.pValue < 0.0001 ? '<0.0001' : c.pValue.toFixed(4)} | ${c.nBaseline}/${c.nCandidate} | ${c.outcome} | ${unitsText(c)} |`),
  );
  lines.push('', '| Variant | Metric | Change | CI | p (slower) | n base/cand | Outcome | Evidence |', '|---|---|---|---|---|---|---|---|', ...comparisons);
  lines.push(
    '',
    `${f.invocations.total} invocations (${f.invocations.baseline} baseline, ${f.invocations.candidate} candidate), ${f.invocations.retries} retried API calls, measuring cost ${usd(f.invocations.costUsd)}. Exemplars: ${f.exemplars.map((e) => `${e.name}×${e.weight}`).join(', ')}. Perf function: \`${f.perfFunction}\` (deleted).`,
    '',
    '</details>',
  );
  return lines.join('\n');
}

function integrationSection(f: FunctionResult): string {
  const integration = f.integration;
  if (!integration) return '';
  const warm = integration.comparisons.find((c) => c.metric === 'warm');
  const lines = [
    `#### Integration traffic: \`${integration.command}\` at ${integration.variant} (${integration.mode === 'concurrent' ? 'builds side by side, invocations paired' : 'builds one after the other, compared run by run'})`,
    '',
    '| Build | Exit | Invocations | Warm n | Warm p50 ms | Warm p90 ms | Cold starts | Errors | Cost / 1M |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const build of ['baseline', 'candidate'] as const) {
    const runs = integration.runs.filter((r) => r.build === build);
    const exits = runs.map((r) => (r.timedOut ? 'timeout' : String(r.exitCode ?? r.signal))).join(', ');
    const s = integration[build];
    lines.push(`| ${build} | ${exits} | ${runs.reduce((n, r) => n + r.invocations, 0)} | ${s.warm.n} | ${ms(s.warm.p50)} | ${ms(s.warm.p90)} | ${s.cold.n} | ${s.errors} | ${usd(s.cost.perMillionUsd)} |`);
  }
  const rounds = warm?.blocks?.length ? ` By round: ${blocksText(warm.blocks)}; a decision must hold in every round.` : '';
  lines.push('', warm ? `Warm change ${signedPercent(warm.ratio)} (${signedPercent(warm.ciLow)} … ${signedPercent(warm.ciHigh)}): ${outcomeText(warm)}.${rounds}` : 'No warm invocations to compare.');
  return lines.join('\n');
}

function functionSection(f: FunctionResult, charts: boolean): string {
  const lines: string[] = [];
  const rec = f.recommended ? ` — recommended memory **${f.recommended.memory} MB** (${f.recommended.architecture}; ${f.recommended.why})` : '';
  lines.push(`### ${ICON[f.verdict]} ${f.name}: ${f.verdict}${rec}`, '');
  for (const reason of f.reasons) lines.push(`- ${REASON_ICON[reason.kind]} ${reason.message}`);
  if (f.reasons.length) lines.push('');
  lines.push('| Variant | Warm p50 ms | Warm change (CI) | Warm p90 ms | Cold p90 ms | Cost / 1M | Max memory | Result |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const v of f.variants) lines.push(variantRow(v, v.id === f.recommended?.variant));
  lines.push('', `Baseline → candidate. Tolerance ${(f.tolerance * 100).toFixed(0)}%.`);
  const integration = integrationSection(f);
  if (integration) lines.push('', integration);
  const drawn = charts ? memoryCharts(f) : '';
  if (drawn) lines.push('', '<details><summary>Charts</summary>', '', drawn, '', '</details>');
  lines.push('', details(f));
  return lines.join('\n');
}

export interface MarkdownOptions {
  /** Longest allowed result; GitHub's comment limit by default. */
  readonly limit?: number;
  /** Mermaid charts of duration and cost against memory (GitHub draws them). */
  readonly charts?: boolean;
  /** Tells this configuration's comment apart from others' in the same PR. */
  readonly key?: string;
}

/** The marker line that identifies a comment: the configuration's key and the verdict it showed. */
export function commentMarker(key: string, verdict: Verdict): string {
  return `<!-- lambda-perf-gate key=${encodeURIComponent(key)} verdict=${verdict} -->`;
}

/**
 * The report as markdown, which becomes the PR comment and the job summary: verdict first, a
 * table per function, the recommended memory, details folded. Trimmed to the limit with a
 * notice when it would not fit.
 */
export function renderMarkdown(report: GateReport, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const header = [
    options.key === undefined ? COMMENT_MARKER : commentMarker(options.key, report.verdict),
    `## ${ICON[report.verdict]} lambda-perf-gate: ${report.verdict}`,
    '',
    report.environment.cpuScaledByMemory ? '' : `> ⚠️ ${report.environment.statement}`,
    '',
  ].filter((line, i, all) => line !== '' || all[i - 1] !== '');
  const footer = [
    '',
    `<sub>${report.backend === 'local' ? 'Local Lambda service' : `AWS ${report.region}`}; ${Math.round(report.settings.confidence * 100)}% confidence, up to ${report.settings.maxEnvironmentPairs} environment pairs per variant in batches of ${report.settings.batch}, ${report.settings.pairsPerEnvironment} warm pairs and a cold start each; durations from Lambda REPORT lines; seed ${report.settings.seed}; report schema v${report.schemaVersion}.</sub>`,
  ].join('\n');
  const full = [...header, report.functions.map((f) => functionSection(f, options.charts ?? false)).join('\n\n'), footer].join('\n');
  if (full.length <= limit) return full;
  const notice = "\n\n> ✂️ Trimmed to fit GitHub's size limit: the full figures are in the JSON report.\n";
  const compact = report.functions.map((f) => functionSection(f, false).split('<details>')[0]!.trimEnd());
  const body = [...header, compact.join('\n\n'), notice, footer].join('\n');
  return body.length <= limit ? body : `${body.slice(0, limit - notice.length - 1)}${notice}`;
}
