import { headline } from '../report/headline.js';
import type { GateReport } from '../result/model.js';
import { OUTPUT } from './inputs.js';

type OutputName = (typeof OUTPUT)[keyof typeof OUTPUT];

/**
 * The function whose verdict is the run's (the first failing one when the run fails), else the
 * first: with several functions, a passing first function must not speak for a failing second.
 */
function decidingFunction(report: GateReport): GateReport['functions'][number] | undefined {
  return report.functions.find((f) => f.verdict === report.verdict) ?? report.functions[0];
}

/**
 * The step's outputs drawn from the report (all but the comment's URL), by output name. The cost
 * change is the deciding function's at the variant its headline quotes, the one that decided the
 * verdict, so a workflow reading it sees the sign the comment shows.
 */
export function gateOutputs(
  report: GateReport,
  reportPath: string,
): Record<Exclude<OutputName, 'comment-url'>, string> {
  const first = report.functions[0];
  const deciding = decidingFunction(report);
  const cost = deciding ? headline(deciding).costChangePercent : null;
  return {
    [OUTPUT.verdict]: report.verdict,
    [OUTPUT.recommendedMemory]: String(first?.recommended?.memory ?? ''),
    [OUTPUT.recommendations]: JSON.stringify(Object.fromEntries(report.functions.map((f) => [f.name, f.recommended]))),
    [OUTPUT.reportPath]: reportPath,
    [OUTPUT.costChangePercent]: cost !== null && Number.isFinite(cost) ? cost.toFixed(2) : '',
    [OUTPUT.profiles]: JSON.stringify(
      Object.fromEntries(
        report.functions.flatMap((f) =>
          f.profile && 'files' in f.profile && f.profile.files ? [[f.name, f.profile.files]] : [],
        ),
      ),
    ),
  };
}
