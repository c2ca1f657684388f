import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { DEFAULT_FAIL_ON } from '../result/fail-on.js';
import { changeText, placeText, statusText } from '../report/profile-lines.js';
import { runCommand } from './run.js';

const REPORT_JSON = 'lambda-perf-report.json';
const REPORT_MARKDOWN = 'lambda-perf-report.md';

/**
 * The README's main command: the whole gate on the bundled order pricer, baseline against a
 * candidate with a real regression, on the embedded local Lambda service.
 */
export async function runDemo(out: (text: string) => void, err: (text: string) => void): Promise<number> {
  out('lambda-perf-gate demo: baseline vs candidate of examples/orders on the embedded local Lambda service\n');
  out('(the candidate adds hashing rounds and builds a currency formatter per line item)\n\n');
  const { report, exitCode, written } = await runCommand(
    {
      config: join(packageRoot(), 'examples/orders/lambda-perf.yml'),
      json: REPORT_JSON,
      markdown: REPORT_MARKDOWN,
      local: true,
      failOn: DEFAULT_FAIL_ON,
      quiet: false,
    },
    out,
    err,
  );
  const orders = report.functions[0];
  out(
    `\nReports written to ${written.json ?? REPORT_JSON} and ${written.markdown ?? REPORT_MARKDOWN} (the markdown is what the PR comment shows).\n`,
  );
  if (orders?.findings.some((r) => r.kind === 'regression'))
    out('The regression was caught: in CI this exit code (1) fails the check.\n');
  else out(`The gate's verdict was ${report.verdict}; the regression was not shown in this run.\n`);
  const where = orders?.profile && 'changes' in orders.profile ? orders.profile.changes.slice(0, 3) : [];
  if (where.length)
    out(
      `Where it got slower (profiled on the local service): ${where.map((c) => `${statusText(c)}${c.function} (${placeText(c)}) ${changeText(c)}`).join('; ')}.\n`,
    );
  if (orders?.recommended)
    out(`Recommended memory for the candidate: ${orders.recommended.memory} MB (${orders.recommended.why}).\n`);
  out(`Exit code of the gate: ${exitCode}. The demo itself exits 0 when it ran to the end.\n`);
  return 0;
}
