import { commentState, readCommentState, sinceLastRun, stateMarker } from '../../src/report/comment-state.js';
import { parseReport, serializeReport, unexpectedText } from '../../src/report/json.js';
import { GITHUB_COMMENT_LIMIT, renderMarkdown, safeRunUrl } from '../../src/report/markdown.js';
import { acceptedRegression } from '../../src/report/findings.js';
import { ms } from '../../src/report/format.js';
import type { GateReport, ReportedFinding } from '../../src/result/model.js';
import { CONTEXT, HOST_NOTICE, sampleReport, scenarioReport, type Scenario } from '../helpers/report-fixture.js';

const aboveTheFold = (markdown: string): string => markdown.split('<details>')[0]!;

describe('the PR comment, as a reader sees it', () => {
  const scenarios: Scenario[] = ['pass', 'fail', 'inconclusive', 'budget-only', 'error', 'several-functions'];

  test.each(scenarios)('%s', (scenario) => {
    const markdown = renderMarkdown(scenarioReport(scenario), { key: 'lambda-perf.yml' });
    expect(markdown).toMatchSnapshot();
    // Whatever the outcome: the verdict, the commits and the run, then a headline, all above the fold.
    const top = aboveTheFold(markdown);
    expect(top).toContain('## ');
    expect(top).toContain(
      'Comparing `0123456` (<code>faster-orders</code>) with `fedcba9` (<code>main</code>) · [workflow run](https://github.com/acme/orders/actions/runs/4242)',
    );
    expect(top.split('\n').filter((line) => /^(- )?(✅|❌|⚠️) \*\*/.test(line))).toHaveLength(
      scenarioReport(scenario).functions.length,
    );
    expect(markdown).not.toMatch(/∞|-100\.0%/);
  });

  test('a failing candidate says there is nothing to compare, and why, instead of figures', () => {
    const top = aboveTheFold(renderMarkdown(scenarioReport('error')));
    expect(top).toContain('❌ **orders**: no comparison: the candidate failed every invocation');
    expect(top).toContain(
      '- ❌ exemplar small-order: the candidate failed 3 of 3 invocations (Runtime.ImportModuleError)',
    );
    expect(top).toContain(
      '| 256 MB | 122 → – | 159 → – | too few warm samples to compare | \\$0.750 → – (–) | ❌ stopped |',
    );
    // No chart with a candidate drawn at zero: it has no figures to draw.
    expect(renderMarkdown(scenarioReport('error'))).not.toContain('mermaid');
    expect(renderMarkdown(scenarioReport('error'))).not.toContain('NaN');
  });

  test('a memory change made (or refused) on the default branch shows above the fold', () => {
    const report: GateReport = {
      ...sampleReport(),
      memoryChanges: [
        {
          function: 'prod-orders',
          from: 512,
          to: 1024,
          applied: true,
          note: 'memory changed from 512 MB to 1024 MB (cheapest within the latency budgets)',
        },
      ],
    };
    expect(aboveTheFold(renderMarkdown(report))).toContain(
      '> 🔧 prod-orders: memory changed from 512 MB to 1024 MB (cheapest within the latency budgets)\n',
    );
  });

  test('an inconclusive finding keeps what would decide it, and leaves its statistics to the details', () => {
    const top = aboveTheFold(renderMarkdown(scenarioReport('inconclusive')));
    expect(top).toContain(
      '- ⚠️ 512MB-x86_64: warm duration +4.0%; neither a regression nor its absence (within 5%) could be shown: environments differ by 9.0% (sd); about 60 more environment pairs, or a tolerance of 12%, would decide\n',
    );
  });

  test('a failing regression names the label that accepts it, above the fold; a pass or a budget alone does not', () => {
    const hint = (scenario: Scenario, acceptLabel = 'perf-ok*') =>
      aboveTheFold(renderMarkdown(scenarioReport(scenario), { acceptLabel })).match(/^> 💡.*$/m)?.[0];
    expect(hint('fail')).toBe(
      '> 💡 Slower on purpose? Add the label perf-ok\\* to the pull request and run the workflow again: the regression is then accepted (budgets and errors still fail).',
    );
    expect(hint('pass')).toBeUndefined();
    expect(hint('budget-only')).toBeUndefined();
    expect(aboveTheFold(renderMarkdown(scenarioReport('fail')))).not.toContain('💡');
  });

  test('the headline quotes the warm medians in milliseconds beside the change', () => {
    const f = scenarioReport('fail').functions[0]!;
    const v = f.variants.find((x) => x.comparisons.some((c) => c.metric === 'warm' && c.outcome === 'regression'))!;
    expect(aboveTheFold(renderMarkdown(scenarioReport('fail')))).toContain(
      `(median ${ms(v.baseline.warm.p50)} → ${ms(v.candidate.warm.p50)} ms)`,
    );
  });

  test('a budget failure with no regression says which budget, above the fold', () => {
    const top = aboveTheFold(renderMarkdown(scenarioReport('budget-only')));
    expect(top).toContain('- ❌ 1024MB-x86_64: warm-p90-ms is 38.1 ms, over the budget of 30 ms (no variant meets it)');
    expect(top).toContain('✅, over budget: warm-p90-ms |');
  });

  test('findings and notices of any kind, known today or added later, show one short line each above the fold', () => {
    const report = sampleReport();
    const fn = report.functions[0]!;
    // As a report from another version might carry them: kinds this renderer does not know.
    const later = (kind: string, message: string): ReportedFinding => ({ kind, message }) as unknown as ReportedFinding;
    const withNotices: GateReport = {
      ...report,
      functions: [
        {
          ...fn,
          findings: [
            ...fn.findings,
            HOST_NOTICE,
            acceptedRegression(fn.findings[0]!, 'perf-regression-accepted'),
            later(
              'a-kind-invented-later',
              `arm64 timings measured on an x86_64 host; ${'they say little. '.repeat(20)}`,
            ),
          ],
        },
      ],
    };
    const top = aboveTheFold(renderMarkdown(withNotices));
    expect(top).toContain('- ℹ️ local host: 2 CPUs; 4 environment pairs ran at once where 8 were asked\n');
    expect(top).toContain(
      '- ☑️ regression accepted by label "perf-regression-accepted": 256MB-x86_64: warm duration +23.4% exceeds the 5% tolerance\n',
    );
    expect(top).toMatch(/- ℹ️ arm64 timings measured on an x86_64 host; they say little\. [^\n]{0,200}…\n/);
  });

  test('a run address is linked only when it has the shape of a GitHub workflow run', () => {
    expect(safeRunUrl('https://github.com/acme/orders/actions/runs/4242')).toBe(
      'https://github.com/acme/orders/actions/runs/4242',
    );
    expect(safeRunUrl('https://ghe.example.com/acme/orders/actions/runs/1/attempts/2')).toBe(
      'https://ghe.example.com/acme/orders/actions/runs/1/attempts/2',
    );
    for (const bad of [
      'javascript:alert(1)',
      'https://github.com/acme/orders/actions/runs/1) [x](https://evil',
      'http://github.com/acme/orders/actions/runs/1',
      'https://github.com/acme/orders/pull/1',
    ])
      expect(safeRunUrl(bad)).toBeUndefined();
  });

  test('without context (a CLI run outside a workflow) there is no "Comparing" line', () => {
    const markdown = renderMarkdown(sampleReport());
    expect(markdown).not.toContain('Comparing');
    expect(markdown).not.toContain('workflow run');
  });

  test("the context survives the JSON report's round trip, and a report file may carry it", () => {
    const report = scenarioReport('pass');
    const back = parseReport(serializeReport(report)) as GateReport;
    expect(back.context).toEqual(CONTEXT);
    expect(unexpectedText(back)).toEqual([]);
  });

  test("many functions: the comment stays under GitHub's limit, every headline still shown, every <details> closed", () => {
    for (const count of [40, 150, 400]) {
      const report = sampleReport(count);
      const markdown = renderMarkdown(report, { key: 'lambda-perf.yml' });
      expect(markdown.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
      expect(markdown.split('<details>').length).toBe(markdown.split('</details>').length);
      if (count <= 150)
        for (const f of report.functions)
          expect(markdown).toContain(`- ❌ **${f.name.replace(/_/g, '\\_')}** at 256 MB`);
      if (count >= 150) expect(markdown).toContain("Trimmed to fit GitHub's size limit");
    }
  });
});

describe('what changed since the last run', () => {
  test('the hidden state line says verdict and warm change per function, and reads back as written', () => {
    const state = commentState(scenarioReport('several-functions'));
    expect(stateMarker(state)).toBe(
      '<!-- lambda-perf-gate-state v=1 sha=0123456789abcdef0123456789abcdef01234567 f=orders,fail,+23.4 f=payments,pass,+1.0 f=search,inconclusive,+4.0 -->',
    );
    expect(readCommentState(`<!-- lambda-perf-gate key=k verdict=fail -->\n${stateMarker(state)}\n## ...`)).toEqual(
      state,
    );
  });

  test('names of any kind round-trip and cannot end the HTML comment', () => {
    const names = ['orders --> <img src=x>', 'a b,c=d', '注文', '--!>', ''];
    const state = { functions: names.map((name) => ({ name, verdict: 'pass' as const })) };
    const line = stateMarker(state);
    expect(line.indexOf('-->')).toBe(line.length - 3);
    expect(line.slice('<!--'.length, -'-->'.length)).not.toMatch(/[<>\n]/);
    expect(readCommentState(line)?.functions.map((f) => f.name)).toEqual(names);
  });

  test('a state line that does not parse is ignored whole', () => {
    for (const body of [
      '<!-- lambda-perf-gate-state v=1 f=orders,merged,+1.0 -->',
      '<!-- lambda-perf-gate-state v=1 f=orders,fail,+1e9 -->',
      '<!-- lambda-perf-gate-state v=1 f=orders,fail,+1.0,extra -->',
      '<!-- lambda-perf-gate-state v=1 f=<img>,fail,+1.0 -->',
      '<!-- lambda-perf-gate-state v=1 f=%E0%A4%A,fail,+1.0 -->',
      '<!-- lambda-perf-gate-state v=1 x=1 -->',
      '<!-- lambda-perf-gate-state v=1 f=orders,fail,+1.0',
      `<!-- lambda-perf-gate-state v=1 ${'f=a,pass,+1.0 '.repeat(2_000)}-->`,
    ]) {
      expect(readCommentState(body)).toBeUndefined();
    }
    expect(readCommentState('no state here')).toBeUndefined();
    expect(readCommentState('<!-- lambda-perf-gate-state v=1 sha=<script> f=orders,fail,+1.0 -->')).toBeUndefined();
  });

  test('"was ❌ +20%, now ✅": a changed verdict or a move of a point or more is told; a rerun with the same result adds nothing', () => {
    const now = commentState(scenarioReport('pass'));
    expect(
      sinceLastRun({ sha: 'abcdef0123', functions: [{ name: 'orders', verdict: 'fail', warmChangePercent: 20 }] }, now),
    ).toBe('Since the last run (`abcdef0`): was ❌ +20%, now ✅ +1.0%.');
    expect(sinceLastRun({ functions: [{ name: 'orders', verdict: 'pass', warmChangePercent: 1.4 }] }, now)).toBe('');
    expect(sinceLastRun(undefined, now)).toBe('');
    const several = commentState(scenarioReport('several-functions'));
    expect(
      sinceLastRun(
        {
          functions: [
            { name: 'payments', verdict: 'fail', warmChangePercent: 12 },
            { name: 'gone', verdict: 'fail' },
          ],
        },
        several,
      ),
    ).toBe('Since the last run: payments was ❌ +12%, now ✅ +1.0%.');
  });

  test('the comment says it above the fold, under the commits compared', () => {
    const markdown = renderMarkdown(scenarioReport('pass'), {
      key: 'k',
      previous: { sha: 'abcdef0123', functions: [{ name: 'orders', verdict: 'fail', warmChangePercent: 20 }] },
    });
    expect(aboveTheFold(markdown)).toContain(
      '· [workflow run](https://github.com/acme/orders/actions/runs/4242)<br>\nSince the last run (`abcdef0`): was ❌ +20%, now ✅ +1.0%.\n',
    );
  });
});
