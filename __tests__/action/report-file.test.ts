import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/config-error.js';
import { readReportFile } from '../../src/action/report-file.js';
import { serializeReport } from '../../src/report/json.js';
import { sampleReport, scenarioReport, type Scenario } from '../helpers/report-fixture.js';

/** The parts of a report the cases below spoil. */
interface Spoilable {
  verdict: unknown;
  functions?: { variants: { memoryMb: unknown }[]; invocations: { costUsd: unknown } }[];
}

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'lpg-report-file-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The problems readReportFile finds in a file holding `text`. */
function problemsOf(text: string): readonly string[] {
  const file = join(dir, 'report.json');
  writeFileSync(file, text);
  try {
    readReportFile(file, 'report.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the report file to be refused');
}

describe('the report file mode: comment posts', () => {
  test('a report this action wrote reads back as it was', () => {
    const file = join(dir, 'good.json');
    const report = sampleReport(2);
    writeFileSync(file, serializeReport(report));
    expect(serializeReport(readReportFile(file, 'good.json'))).toBe(serializeReport(report));
  });

  test.each<Scenario>(['pass', 'fail', 'inconclusive', 'budget-only', 'error', 'several-functions'])(
    'the %s scenario reads back as it was written',
    (scenario) => {
      const file = join(dir, `${scenario}.json`);
      writeFileSync(file, serializeReport(scenarioReport(scenario)));
      expect(serializeReport(readReportFile(file, file))).toBe(serializeReport(scenarioReport(scenario)));
    },
  );

  test('a file over 8 MiB is refused unread, naming the input and the file', () => {
    const report = JSON.parse(serializeReport(sampleReport())) as Record<string, unknown>;
    expect(problemsOf(JSON.stringify({ ...report, padding: 'x'.repeat(8 * 1024 * 1024) }))).toEqual([
      'input report-path: report.json is over 8388608 bytes (8 MiB), more than any report of this action',
    ]);
  });

  test.each([
    [
      'memoryMb',
      (r: Spoilable) => (r.functions![0]!.variants[0]!.memoryMb = '256, 99999'),
      /\$\.functions\[0\]\.variants\[0\]\.memoryMb: must be a number \(got "256, 99999"\)/,
    ],
    ['the verdict', (r: Spoilable) => (r.verdict = 'pass-ish'), /\$\.verdict: .*\(got "pass-ish"\)/],
    [
      'a cost',
      (r: Spoilable) => (r.functions![0]!.invocations.costUsd = { usd: 1 }),
      /\$\.functions\[0\]\.invocations\.costUsd: must be a number/,
    ],
    ['the functions', (r: Spoilable) => delete r.functions, /\$\.functions: must be array \(got missing\)/],
  ])('a report with a wrong %s is refused, saying where and what', (_what, spoil, message) => {
    const report = JSON.parse(serializeReport(sampleReport())) as Spoilable;
    spoil(report);
    const problems = problemsOf(JSON.stringify(report));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^input report-path: report\.json is not a report this action wrote: /);
    expect(problems[0]).toMatch(message);
  });

  test('a device is refused unread', () => {
    expect(() => readReportFile('/dev/zero', '/dev/zero')).toThrow(
      /input report-path: \/dev\/zero is not a regular file/,
    );
  });
});
