import type { VariantResult } from '../analysis/result.js';
import type { FunctionResult } from '../result/model.js';

const round = (value: number): string => (Number.isFinite(value) ? String(Math.round(value * 100) / 100) : '0');

/**
 * Mermaid's xychart draws no legend; its lines take the palette's colours in order, so the palette
 * is set and the legend written beneath in squares of the same colours.
 */
const PALETTE = { baseline: '#2563eb', candidate: '#ea580c' } as const;
const CHART_LEGEND = '🟦 baseline · 🟧 candidate';
const THEME = `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${PALETTE.baseline}, ${PALETTE.candidate}"}}}}%%`;

function chart(title: string, axis: string, memories: number[], baseline: number[], candidate: number[]): string {
  const top = Math.max(...baseline.filter(Number.isFinite), ...candidate.filter(Number.isFinite), 0) * 1.15;
  return [
    '```mermaid',
    THEME,
    'xychart-beta',
    // Names reach here from a report file too: keep the title from closing its quotes or the fence.
    `  title "${title.replace(/[^\w .:()$-]/g, '')}"`,
    `  x-axis "memory (MB)" [${memories.join(', ')}]`,
    `  y-axis "${axis}" 0 --> ${round(top || 1)}`,
    `  line [${baseline.map(round).join(', ')}]`,
    `  line [${candidate.map(round).join(', ')}]`,
    '```',
  ].join('\n');
}

/**
 * Duration and cost against memory, baseline and candidate, as Mermaid charts that GitHub draws
 * itself: one pair per architecture and named variant measured at three or more memory sizes
 * (two points draw a line that says no more than the table above it).
 */
export function memoryCharts(f: FunctionResult): string {
  const groups = new Map<string, VariantResult[]>();
  for (const v of f.variants) {
    const key = `${v.architecture}${v.name === 'default' ? '' : ` ${v.name}`}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const parts: string[] = [];
  for (const [key, variants] of groups) {
    if (variants.length < 3) continue;
    const sorted = [...variants].sort((a, b) => a.memoryMb - b.memoryMb);
    const memories = sorted.map((v) => v.memoryMb);
    const series = {
      duration: [sorted.map((v) => v.baseline.warm.p50), sorted.map((v) => v.candidate.warm.p50)],
      cost: [sorted.map((v) => v.baseline.cost.perMillionUsd), sorted.map((v) => v.candidate.cost.perMillionUsd)],
    };
    // A line cannot skip a point: a build with no figure at some size (it failed there) gets no chart rather than a false zero.
    for (const [name, [baseline, candidate]] of Object.entries(series) as [keyof typeof series, number[][]][]) {
      if (![...baseline!, ...candidate!].every(Number.isFinite)) continue;
      parts.push(
        name === 'duration'
          ? chart(`${f.name} ${key}: warm p50 (ms)`, 'ms', memories, baseline!, candidate!)
          : chart(`${f.name} ${key}: cost per million ($)`, 'USD', memories, baseline!, candidate!),
      );
    }
  }
  return parts.length ? `${parts.join('\n\n')}\n\n${CHART_LEGEND}` : '';
}
