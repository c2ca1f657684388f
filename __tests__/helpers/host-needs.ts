/**
 * Tests that need something of the host (root, a tool on the path, a kernel feature) register
 * through these, so that where the host lacks it the skip is loud: the title gets
 * "[skipped: needs …]" and the skip reporter (scripts/skip-reporter.js, in jest.config.js) lists
 * every such test at the end of `npm test`, which `.ci/run` runs.
 */
import { appendFileSync } from 'node:fs';

type TestBody = Parameters<typeof test>[1];
type Registrar = (name: string, body: TestBody, timeout?: number) => void;

/** The title mark; scripts/skip-reporter.js (plain JavaScript, which cannot import this) spells it again. */
const SKIP_MARK = '[skipped: needs ';

const skipped = (name: string, needs: string): string => `${name} ${SKIP_MARK}${needs}]`;

/** `test` where the host has what `needs` names, else a skipped test that says what was missing. */
export const testIf =
  (available: boolean, needs: string): Registrar =>
  (name, body, timeout) =>
    available ? test(name, body, timeout) : test.skip(skipped(name, needs), body, timeout);

/** `describe` likewise: every test inside is skipped, each saying what was missing. */
export const describeIf =
  (available: boolean, needs: string) =>
  (name: string, body: () => void): void =>
    available ? describe(name, body) : describe.skip(skipped(name, needs), body);

/**
 * For a test that can tell only once it runs (after a service started) that the host lacks what
 * it needs: it says so, and the skip reporter lists it with the others. The test then returns
 * without asserting; call it as `return skipBecause('...')`.
 */
export function skipBecause(needs: string): void {
  const title = expect.getState().currentTestName ?? 'a test';
  console.warn(`Skipping "${title}": it needs ${needs}.`);
  const log = process.env.LAMBDA_PERF_GATE_SKIP_LOG;
  if (log) appendFileSync(log, `${JSON.stringify({ title, needs })}\n`);
}
