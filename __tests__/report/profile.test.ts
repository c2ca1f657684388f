import type { ProfileChange } from '../../src/result/profile.js';
import type { ProfileReport } from '../../src/result/profile.js';
import { parseReport, serializeReport, unexpectedText } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { GateReport } from '../../src/result/model.js';
import { reportSchemaProblems } from '../../src/result/report-schema.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { sampleReport } from '../helpers/report-fixture.js';

const change = (name: string, delta: number, extra: Partial<ProfileChange> = {}): ProfileChange => ({
  function: name,
  file: 'pricing.mjs',
  line: 41,
  baselineMsPerCall: 2,
  candidateMsPerCall: 2 + delta,
  deltaMsPerCall: delta,
  interval: [delta - Math.abs(delta) * 0.3, delta + Math.abs(delta) * 0.3],
  status: 'changed',
  baselineTotalMsPerCall: 3,
  candidateTotalMsPerCall: 3 + delta,
  ...extra,
});

const profile = (changes: ProfileChange[]): ProfileReport => ({
  backend: 'local',
  statement: "Profiled on the embedded local service with V8's sampling profiler; the verdict was measured on AWS.",
  variant: '512MB-x86_64',
  exemplars: [{ name: 'small-order', weight: 3 }],
  samplingIntervalUs: 100,
  environmentPairs: 10,
  callsPerEnvironment: 8,
  changes,
  files: {
    baseline: 'out/lambda-perf-profile-orders-baseline.cpuprofile',
    candidate: 'out/lambda-perf-profile-orders-candidate.cpuprofile',
  },
});

function withProfile(value: NonNullable<GateReport['functions'][number]['profile']>): GateReport {
  const report = sampleReport();
  return { ...report, functions: [{ ...report.functions[0]!, profile: value }] };
}

describe('where the time went, in the report', () => {
  test('the comment names the top changes under the headline and folds the rest, with the files', () => {
    const report = withProfile(
      profile([
        change('priceLine', 4.1),
        change('formatCurrency', 1.2, { status: 'new', baselineMsPerCall: 0, file: 'format.mjs', line: 3 }),
        change('tax', 0.5),
        change('parse', 0.05),
        change('legacyRound', -0.3, { status: 'gone', file: 'round.mjs', line: 7 }),
      ]),
    );
    const markdown = renderMarkdown(report);
    expect(markdown).toContain(
      '- 🔎 where: <code>priceLine</code> (pricing.mjs:41) +4.10 ms/call [+2.87, +5.33]; new <code>formatCurrency</code> (format.mjs:3) +1.20 ms/call [+0.84, +1.56]; <code>tax</code> (pricing.mjs:41) +0.50 ms/call [+0.35, +0.65]; 2 more below',
    );
    const folded = markdown.slice(markdown.indexOf('<details><summary>Profile: 5 functions changed</summary>'));
    expect(folded).toContain(
      '| gone <code>legacyRound</code> | round.mjs:7 | 2.000 | 1.700 | −0.30 ms/call [−0.39, −0.21] |',
    );
    expect(folded).toContain('<code>lambda-perf-profile-orders-candidate.cpuprofile</code>');
    expect(folded.indexOf('</details>')).toBeGreaterThan(0);
    const terminal = renderTerminal(report);
    expect(terminal).toContain(
      'profile (10 environment pairs at 512MB-x86_64, 8 calls each (small-order), sampled every 100 µs):',
    );
    expect(terminal).toContain('    gone legacyRound (round.mjs:7) −0.30 ms/call');
  });

  test('no change beyond sampling noise, and a runtime that was not profiled, are said in one line', () => {
    expect(renderMarkdown(withProfile(profile([])))).toContain('- 🔎 where: no function changed beyond sampling noise');
    const notice = withProfile({
      notice: 'not profiled: the local service profiles Node.js and Python functions, not java21',
    });
    expect(renderMarkdown(notice)).toContain(
      '- ℹ️ not profiled: the local service profiles Node.js and Python functions, not java21',
    );
    expect(renderTerminal(notice)).toContain('  profile: not profiled:');
  });

  test("a function's name and file come from its code: they cannot inject markup into the comment", () => {
    const hostile = change('</details><img src=x onerror=alert(1)>`@octocat`', 2, {
      file: '[x](https://evil.example)|#1',
    });
    const report = withProfile(profile([hostile]));
    const markdown = renderMarkdown(report);
    expect(markdown).not.toContain('<img');
    expect(markdown).not.toContain('](https://');
    expect(markdown).toContain('&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt;\\`@\u200boctocat\\`');
    // The report file with it is still one the renderers can trust (mode: comment reads it back).
    const read = parseReport(serializeReport(report));
    expect(reportSchemaProblems(read)).toEqual([]);
    expect(unexpectedText(read)).toEqual([]);
  });

  test("markup is free text only where a profile's text is: a file, not the variant it names", () => {
    const report = withProfile(profile([change('priceLine', 4.1, { file: 'a_b/[x].mjs' })]));
    expect(unexpectedText(parseReport(serializeReport(report)))).toEqual([]);
    const forged = JSON.parse(serializeReport(report)) as { functions: { profile: { variant: string } }[] };
    forged.functions[0]!.profile.variant = '<img src=x>';
    expect(unexpectedText(forged)).toEqual([
      '$.functions[0].profile.variant holds "<img src=x>", which no report of this action holds there',
    ]);
  });

  test('a report file whose profile has a string where a figure belongs is refused, naming the field', () => {
    const report = withProfile(profile([change('priceLine', 4.1)]));
    const forged = JSON.parse(serializeReport(report)) as {
      functions: { profile: { changes: { deltaMsPerCall: unknown }[] } }[];
    };
    forged.functions[0]!.profile.changes[0]!.deltaMsPerCall = '4.1 <b>ms</b>';
    expect(reportSchemaProblems(forged).join('\n')).toMatch(/functions\[0\]\.profile/);
  });
});
