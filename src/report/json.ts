import type { GateReport } from './model.js';

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
  return JSON.parse(text, (_key, value: unknown) => (typeof value === 'string' && Object.hasOwn(NON_FINITE, value) ? NON_FINITE[value] : value));
}
