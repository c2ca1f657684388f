import { escapeMarkdown } from '../../src/report/escape.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { reportedFindings } from '../../src/report/findings.js';
import type { FunctionResult, GateReport, ReportedFinding } from '../../src/result/model.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { readCommentState } from '../../src/report/comment-state.js';
import { CONTEXT, sampleReport } from '../helpers/report-fixture.js';
import { commandFinding, errorsFinding } from '../helpers/findings.js';

const HOSTILE =
  '</details></details><img src=x onerror=alert(1)> @octocat see [here](https://evil.example/x) or https://evil.example and www.evil.example, #12, `code`, **bold**, $x$ | cell\n# heading\n```\nfence\n\\';

/** What a reader of the comment would be exposed to if the text acted as markdown or HTML. */
function actingMarkup(rendered: string): string[] {
  const problems: string[] = [];
  // Chart code blocks are drawn by Mermaid, not read as markdown; a title must not leave its block.
  const charts = [...rendered.matchAll(/```mermaid\n([^`]*)```/g)];
  for (const [, chart] of charts)
    if (
      chart!
        .split('\n')
        .some(
          (line) =>
            line !== '' &&
            !/^ {2}(title "[^"\n]*"|x-axis|y-axis|line \[)|^xychart-beta$|^%%\{init: \{"themeVariables": \{"xyChart": \{"plotColorPalette": "#\w{6}, #\w{6}"\}\}\}\}%%$/.test(
              line,
            ),
        )
    )
      problems.push('a chart line the renderer did not write');
  // The one link the renderer writes: the workflow run, on the fixture's repository.
  // The hidden state line is an HTML comment, which GitHub does not render: it must only stay one.
  const unfenced = rendered.replace(/```mermaid\n[^`]*```/g, '');
  if (unfenced.split('-->').length - 1 !== unfenced.split('<!--').length - 1)
    problems.push('an HTML comment closed where the renderer did not close one');
  const markdown = rendered
    .replace(/```mermaid\n[^`]*```/g, '')
    .replace(/\[workflow run\]\(https:\/\/github\.com\/acme\/orders\/actions\/runs\/\d+\)/g, '')
    .replace(/^<!-- lambda-perf-gate-state v=1 [^<>\n]* -->$/m, '');
  const opened = markdown.split('<details>').length - 1;
  const closed = markdown.split('</details>').length - 1;
  if (opened !== closed) problems.push(`${opened} <details> but ${closed} </details>`);
  if (/<(?!\/?(details|summary|sub|br|code)>)(?!!-- lambda-perf-gate )[a-z!/]/i.test(markdown))
    problems.push('an HTML tag the renderer did not write');
  if (/(^|[^\\])\]\(/.test(markdown)) problems.push('a markdown link');
  if (/(^|\s)@\w/.test(markdown)) problems.push('an @mention');
  if (/https?:\/\/|www\./.test(markdown)) problems.push('an autolink');
  if (/#\d/.test(markdown)) problems.push('an issue reference');
  if (
    /^(#|```)/m.test(
      markdown
        .split('\n')
        .filter((line) => !/^#{2,4} /.test(line))
        .join('\n'),
    )
  )
    problems.push('a heading or fence the renderer did not write');
  return problems;
}

describe('escaping what functions, commands and report files say', () => {
  test('the hostile text itself shows no tag, link, mention, reference, fence or line break', () => {
    const escaped = escapeMarkdown(HOSTILE);
    expect(escaped.replace(/<br>/g, '')).not.toMatch(/[<>\n]/);
    expect(actingMarkup(escaped)).toEqual([]);
    expect(escaped).toContain('&lt;/details&gt;');
    expect(escaped).toContain('\\[here\\]');
    expect(escaped).toContain('\\| cell');
    expect(escaped).toContain('<br>\\`\\`\\`<br>');
  });

  test('ordinary messages stay readable: identifiers, numbers and percentages are left alone', () => {
    expect(escapeMarkdown('256MB-x86_64: warm duration +23.4% (99% CI +13.4% to +34.4%, n=40/40)')).toBe(
      '256MB-x86_64: warm duration +23.4% (99% CI +13.4% to +34.4%, n=40/40)',
    );
    expect(escapeMarkdown('p<0.0001')).toBe('p&lt;0.0001');
  });

  test('a report with hostile names, messages, command and output renders with only the markup the renderer wrote', () => {
    const clean = sampleReport();
    const fn = clean.functions[0]!;
    const hostile: FunctionResult = {
      ...fn,
      name: HOSTILE,
      perfFunction: HOSTILE,
      // Hostile data, put into words by the report's own sentences.
      findings: reportedFindings(
        [
          errorsFinding('wrong-answer', `error ${HOSTILE}`, [3, 3], [0, 3], 'x'),
          commandFinding({ outputTail: HOSTILE }),
        ],
        fn,
      ),
      recommended: { ...fn.recommended!, why: HOSTILE },
      exemplars: [{ name: HOSTILE, weight: 1 }],
      variants: fn.variants.map((v) => ({
        ...v,
        exemplars: v.exemplars!.map((e) => ({ ...e, exemplar: `${e.exemplar} ${HOSTILE}` })),
      })),
      integration: {
        command: HOSTILE,
        variant: fn.variants[0]!.id,
        mode: 'concurrent',
        runs: [],
        baseline: fn.variants[0]!.baseline,
        candidate: fn.variants[0]!.candidate,
        comparisons: [],
        budgets: [],
      },
    };
    const report: GateReport = {
      ...clean,
      platform: { cpuScaledByMemory: false, statement: HOSTILE },
      functions: [hostile],
    };
    const markdown = renderMarkdown(report, { charts: true, key: 'k' });
    expect(actingMarkup(markdown)).toEqual([]);
    // Still says what happened.
    expect(markdown).toContain(
      'exemplar x: the candidate failed 3 of 3 invocations, the baseline 0 of 3 (error &lt;/details&gt;',
    );
    expect(markdown).toContain('<code>');
    // Our own markup is intact around it.
    expect(markdown).toContain('<details><summary>Statistics, environment pairs, budgets</summary>');
    expect(markdown.split('\n')[0]).toBe('<!-- lambda-perf-gate key=k verdict=fail -->');
    // The terminal shows the text as it is (a terminal renders no markup).
    expect(renderTerminal(report)).toContain('</details></details><img');
  });

  test("hostile branch names, run address, findings of unknown kind, variant names and a previous comment's state render inert", () => {
    const clean = sampleReport(2);
    const [first, second] = clean.functions as [FunctionResult, FunctionResult];
    const report: GateReport = {
      ...clean,
      context: {
        head: { sha: CONTEXT.head.sha, ref: HOSTILE },
        base: { sha: '`x` <img>', ref: HOSTILE },
        runUrl: `https://evil.example/x) [y](javascript:alert(1)`,
      },
      functions: [
        {
          ...first,
          name: `${HOSTILE} -->`,
          findings: [...first.findings, { kind: HOSTILE, message: HOSTILE } as unknown as ReportedFinding],
          variants: first.variants.map((v) => ({ ...v, name: HOSTILE })),
        },
        { ...second, name: '--><script>alert(1)</script>' },
      ],
    };
    const previous = readCommentState(renderMarkdown(report, { key: 'k' }));
    expect(previous?.functions.map((f) => f.name)).toEqual([`${HOSTILE} -->`, '--><script>alert(1)</script>']);
    const markdown = renderMarkdown(report, {
      charts: true,
      key: 'k',
      previous: { functions: previous!.functions.map((f) => ({ ...f, verdict: 'pass' as const })) },
    });
    expect(actingMarkup(markdown)).toEqual([]);
    expect(markdown).toContain('Since the last run: ');
    expect(markdown).not.toContain('](https://evil');
    expect(markdown).not.toContain('[workflow run]');
    expect(markdown).toContain('Measured `0123456` (<code>&lt;/details&gt;');
  });

  test('the check itself catches what the unescaped text would do', () => {
    expect(actingMarkup(`- ${HOSTILE}`).length).toBeGreaterThanOrEqual(5);
  });
});
