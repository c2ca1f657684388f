import type { GateReport } from '../result/model.js';

/**
 * The JSON report, written and read back without loss. JSON has no Infinity or NaN (JSON.stringify
 * writes null for both), yet a report holds them: an unbounded confidence limit is Infinity, a
 * figure with no samples NaN. They are written as the strings "Infinity", "-Infinity" and "NaN",
 * which a reader in another language can still parse, and read back as numbers, so a report
 * renders the same after its own round trip (the workflow_run half of the fork-safe pair reads it).
 */
const NON_FINITE: Readonly<Record<string, number>> = { Infinity: Infinity, '-Infinity': -Infinity, NaN: Number.NaN };

export function serializeReport(report: GateReport): string {
  return `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value), 2)}\n`;
}

/**
 * Parses a report file. Strings spelling a non-finite number become that number again; a text
 * field that happens to read exactly "NaN" or "Infinity" comes back as a number, which the
 * renderers print as the same text.
 */
export function parseReport(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) =>
    typeof value === 'string' && Object.hasOwn(NON_FINITE, value) ? NON_FINITE[value] : value,
  );
}

/** Fields the renderers escape (text from functions, commands and configs), the endpoint URL, and the run's address (checked for its shape before it is linked). */
const FREE_TEXT = new Set([
  'message',
  'command',
  'why',
  'statement',
  'summary',
  'note',
  'outputTail',
  'name',
  'perfFunction',
  'function',
  'errorType',
  'errorMessage',
  'exemplar',
  'example',
  'text',
  'label',
  'endpoint',
  'ref',
  'runUrl',
  'notice',
]);
/**
 * Free text known by where it is rather than by its key, whose name other fields share: a
 * profiled function's file (from the function's own code) and the paths of the profile files.
 */
const FREE_TEXT_AT = /\.profile\.(changes\[\d+\]\.file|files\.(baseline|candidate))$/;
/** What markdown or GitHub would act on: tags, links, tables, code, emphasis, mentions, references, autolinks, line breaks. */
const ACTING = /[<>&[\]|`*~\\@\r\n]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|#\w|\bwww\.|:\/\//;

/**
 * Problems with a report file that the renderers would pass through as they are: a text field
 * outside FREE_TEXT (a verdict, an id, a unit, a time) holding markup or a line break. A report
 * file from a pull request's own run (`mode: comment`) may have been written by its code.
 */
export function unexpectedText(report: unknown): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, path: string, key: string | undefined): void => {
    if (typeof value === 'string') {
      if (!(key !== undefined && FREE_TEXT.has(key)) && !FREE_TEXT_AT.test(path) && ACTING.test(value))
        problems.push(
          `${path} holds ${JSON.stringify(value.slice(0, 40))}, which no report of this action holds there`,
        );
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`, undefined));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, item] of Object.entries(value)) walk(item, `${path}.${k}`, k);
    }
  };
  walk(report, '$', undefined);
  return problems;
}
