import type { GateReport, ReportedFinding } from './model.js';

/** What can fail the run: chosen with the action's `fail-on` input or the CLI's `--fail-on`. */
export type FailOn = 'regression' | 'budget' | 'inconclusive' | 'error';
export const FAIL_ON: readonly FailOn[] = ['regression', 'budget', 'inconclusive', 'error'];
export const DEFAULT_FAIL_ON: readonly FailOn[] = ['regression', 'budget', 'error'];

const CATEGORY: Record<ReportedFinding['kind'], FailOn | undefined> = {
  regression: 'regression',
  budget: 'budget',
  'wrong-answer': 'error',
  'test-failure': 'error',
  inconclusive: 'inconclusive',
  'baseline-error': undefined,
  notice: undefined,
};

/** The findings that fail the run under `failOn`. */
export function failingFindings(report: GateReport, failOn: readonly FailOn[]): ReportedFinding[] {
  return report.functions.flatMap((fn) =>
    fn.findings.filter((finding) => {
      const category = CATEGORY[finding.kind];
      return category !== undefined && failOn.includes(category);
    }),
  );
}

/** Parses a comma- or space-separated list; returns the problems instead of throwing. */
export function parseFailOn(text: string): { failOn: FailOn[]; problems: string[] } {
  const problems: string[] = [];
  const items = text.split(/[\s,]+/).filter(Boolean);
  if (items.length && items.every((item) => item === 'none')) return { failOn: [], problems };
  const others = items.filter((item) => item !== 'none');
  if (others.length < items.length)
    problems.push(
      `"none" (never fail) cannot be combined with ${others.join(', ')}; give none alone, or only the categories`,
    );
  const failOn = others.filter((item): item is FailOn => {
    if (FAIL_ON.includes(item as FailOn)) return true;
    problems.push(`"${item}" is not one of ${FAIL_ON.join(', ')} (or none)`);
    return false;
  });
  return { failOn, problems };
}
