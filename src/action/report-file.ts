import { statSync } from 'node:fs';
import { ConfigError } from '../config/config-error.js';
import { readAtMost } from '../config/load.js';
import { errorMessage, jsonSyntaxProblem } from '../errors.js';
import { parseReport, unexpectedText } from '../report/json.js';
import type { GateReport } from '../result/model.js';
import { reportSchemaProblems } from '../result/report-schema.js';
import { INPUT } from './inputs.js';

/** A report of many functions and variants stays well under this; a bigger file is refused unread. */
const MAX_REPORT_BYTES = 8 * 1024 * 1024;

/**
 * The report file `mode: comment` posts, read within bounds and checked before anything renders
 * it: it may come from a pull request's own run, so its code may have written it. `shownAs` is the
 * path as the input gave it, for the messages.
 */
export function readReportFile(path: string, shownAs: string): GateReport {
  const refuse = (problem: string): ConfigError =>
    new ConfigError('the action inputs', [`input ${INPUT.reportPath}: ${shownAs} ${problem}`]);
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) throw refuse('does not exist; download the report artifact first');
  if (!stats.isFile()) throw refuse('is not a regular file');
  const tooBig = `is over ${MAX_REPORT_BYTES} bytes (8 MiB), more than any report of this action`;
  if (stats.size > MAX_REPORT_BYTES) throw refuse(tooBig);
  let bytes: Buffer | undefined;
  try {
    bytes = readAtMost(path, MAX_REPORT_BYTES);
  } catch (error) {
    throw refuse(`cannot be read (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)})`);
  }
  if (!bytes) throw refuse(tooBig);
  let parsed: unknown;
  try {
    parsed = parseReport(bytes.toString('utf8'));
  } catch (error) {
    throw refuse(jsonSyntaxProblem(error));
  }
  const problems = [...reportSchemaProblems(parsed), ...unexpectedText(parsed)];
  if (problems.length) throw refuse(`is not a report this action wrote: ${problems.slice(0, 3).join('; ')}`);
  return parsed as GateReport;
}
