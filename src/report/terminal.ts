import type { ProfileNotice, ProfileReport } from '../result/profile.js';
import { changeText, coverageText, isProfileNotice, placeText, statusText } from './profile-lines.js';
import {
  ms,
  percentChange,
  quotesSpreads,
  roundsText,
  shortChange,
  SPREADS_EXPLAINED,
  changeWithInterval,
  usd,
} from './format.js';
import { currentMemory } from './headline.js';
import { durationSource, samplingLine } from './markdown.js';
import type { Build } from '../model/sample.js';
import type { GateReport } from '../result/model.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The report for a terminal: verdict, a table per function, findings, recommendation. */
export function renderTerminal(report: GateReport): string {
  const out: string[] = [];
  out.push(`lambda-perf-gate: ${report.verdict.toUpperCase()}`);
  if (!report.platform.cpuScaledByMemory) out.push(`note: ${report.platform.statement}`);
  if (report.platform.clock) out.push(`clock: ${durationSource(report)}`);
  if (report.settings.design === 'duet') out.push(`design: ${samplingLine(report)}`);
  for (const f of report.functions) {
    out.push(
      '',
      `${f.name}: ${f.verdict}${f.recommended ? `; recommended memory ${f.recommended.memory} MB (${[currentMemory(f), f.recommended.why].filter(Boolean).join('; ')})` : ''}`,
    );
    const rows = [
      ['variant', 'warm p50 ms', 'warm change [CI]', 'warm p90 ms', 'cold p90 ms', 'cost/1M', 'max mem', 'result'],
    ];
    for (const v of f.variants) {
      const warm = v.comparisons.find((c) => c.metric === 'warm');
      rows.push([
        `${v.id}${v.id === f.recommended?.variant ? ' *' : ''}`,
        `${ms(v.baseline.warm.p50)} -> ${ms(v.candidate.warm.p50)}`,
        warm ? changeWithInterval(warm, true) : '-',
        `${ms(v.baseline.warm.p90)} -> ${ms(v.candidate.warm.p90)}`,
        `${ms(v.baseline.cold.p90)} -> ${ms(v.candidate.cold.p90)}`,
        `${usd(v.baseline.cost.perMillionUsd)} -> ${usd(v.candidate.cost.perMillionUsd)} (${percentChange(v.costChangePercent)})`,
        `${v.candidate.maxMemoryUsedMb}/${v.memoryMb} MB`,
        warm?.outcome ?? '-',
      ]);
    }
    out.push(table(rows));
    for (const v of f.variants) {
      if ((v.exemplars?.length ?? 0) < 2) continue;
      const changes = (v.exemplars ?? []).map(
        (e) => `${e.exemplar} ${shortChange(e.ratio)} (${ms(e.baselineP50)} -> ${ms(e.candidateP50)} ms)`,
      );
      out.push(`  by exemplar at ${v.id}: ${changes.join(', ')}`);
    }
    if (f.integration) {
      const i = f.integration;
      const warm = i.comparisons.find((c) => c.metric === 'warm');
      const count = (build: Build) => i.runs.filter((r) => r.build === build).reduce((n, r) => n + r.invocations, 0);
      out.push(
        `  integration "${i.command}" at ${i.variant}: ${count('baseline')} + ${count('candidate')} invocations; warm p50 ${ms(i.baseline.warm.p50)} -> ${ms(i.candidate.warm.p50)} ms` +
          (warm ? `, ${changeWithInterval(warm, true)} ${warm.outcome}` : '') +
          (warm?.rounds?.length ? `; by round ${roundsText(warm.rounds)}` : ''),
      );
    }
    for (const finding of f.findings) out.push(`  - [${finding.kind}] ${finding.message}`);
    if (f.profile) out.push(...profileTerminalLines(f.profile));
    if (f.findings.some((finding) => quotesSpreads(finding.message))) out.push(`    (${SPREADS_EXPLAINED})`);
    out.push(
      `  ${f.invocations.total} invocations, ${f.invocations.retries} retried calls, measuring cost ${usd(f.invocations.costUsd)}`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** Where the time per call went: every change beyond sampling noise, or why there is no profile. */
function profileTerminalLines(profile: ProfileReport | ProfileNotice): string[] {
  if (isProfileNotice(profile)) return [`  profile: ${profile.notice}`];
  const lines = [`  profile (${coverageText(profile)}):`];
  if (!profile.changes.length) lines.push('    no function changed beyond sampling noise');
  for (const change of profile.changes)
    lines.push(`    ${statusText(change)}${change.function} (${placeText(change)}) ${changeText(change)}`);
  if (profile.files) lines.push(`    files: ${profile.files.baseline}, ${profile.files.candidate}`);
  return lines;
}
