import { summarise } from '../gate/run-gate.js';
import { verdictOf, worstVerdict } from '../analysis/result.js';
import { acceptedRegression } from '../report/findings.js';
import type { FunctionResult, GateReport, ReportedFinding } from '../result/model.js';

/**
 * A pull request labelled as an intended regression: every regression finding becomes a notice
 * ("regression accepted by label ...") and stops failing; budgets, wrong answers and failing tests
 * still fail. The report keeps the figures, so the comment shows how much slower it got.
 */
export function acceptRegressions(report: GateReport, label: string): GateReport {
  if (!report.functions.some((fn) => fn.findings.some((r) => r.kind === 'regression'))) return report;
  const functions: FunctionResult[] = report.functions.map((fn) => {
    if (!fn.findings.some((r) => r.kind === 'regression')) return fn;
    const findings: ReportedFinding[] = fn.findings.map((r) =>
      r.kind === 'regression' ? acceptedRegression(r, label) : r,
    );
    return { ...fn, findings, verdict: verdictOf(findings) };
  });
  return {
    ...report,
    functions,
    verdict: worstVerdict(functions.map((fn) => fn.verdict)),
    summary: summarise(functions),
  };
}
