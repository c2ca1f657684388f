import { parseReport, serializeReport, unexpectedText } from '../../src/report/json.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { GateReport } from '../../src/result/model.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { sampleReport } from '../helpers/report-fixture.js';

/** A report with what JSON has no words for: unbounded limits and figures with no samples. */
function unboundedReport(): GateReport {
  const report = sampleReport();
  const fn = report.functions[0]!;
  const [first, ...rest] = fn.variants;
  const warm = first!.comparisons[0]!;
  return {
    ...report,
    functions: [
      {
        ...fn,
        variants: [
          {
            ...first!,
            candidate: {
              ...first!.candidate,
              warm: { n: 0, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, mean: Number.NaN },
            },
            comparisons: [
              {
                ...warm,
                ratio: Number.NaN,
                ciLow: -Infinity,
                ciHigh: Infinity,
                pValue: Number.NaN,
                outcome: 'inconclusive',
              },
              ...first!.comparisons.slice(1),
            ],
            budgets: [{ budget: 'warm-p90-ms', limit: 120, value: Number.NaN, unit: 'ms', ok: false }],
            costChangePercent: Number.NaN,
          },
          ...rest,
        ],
      },
    ],
  };
}

describe('the JSON report survives its own round trip', () => {
  test('Infinity and NaN come back as themselves, and the report renders exactly as before', () => {
    const report = unboundedReport();
    const text = serializeReport(report);
    expect(text).toContain('"ciHigh": "Infinity"');
    expect(text).toContain('"ciLow": "-Infinity"');
    expect(text).toContain('"p50": "NaN"');
    const back = parseReport(text) as GateReport;
    expect(back).toEqual(report);
    expect(renderMarkdown(back, { charts: true, key: 'k' })).toBe(renderMarkdown(report, { charts: true, key: 'k' }));
    expect(renderTerminal(back)).toBe(renderTerminal(report));
    expect(renderMarkdown(back, { charts: true })).toContain(
      '| 256 MB | cold | +10.0% | too few cold starts to compare |',
    );
    expect(renderMarkdown(back, { charts: true })).toContain('| 256 MB | warm | – | too few warm samples to compare |');
  });

  test('plain JSON.stringify is what went wrong: the same report, read back, renders differently or throws', () => {
    const report = unboundedReport();
    let rendered: string | undefined;
    try {
      rendered = renderMarkdown(JSON.parse(JSON.stringify(report)) as GateReport, { charts: true, key: 'k' });
    } catch {
      rendered = undefined;
    }
    expect(rendered).not.toBe(renderMarkdown(report, { charts: true, key: 'k' }));
  });

  test('a text field that reads exactly "NaN" still renders', () => {
    const report = sampleReport();
    const named = { ...report, functions: [{ ...report.functions[0]!, exemplars: [{ name: 'NaN', weight: 1 }] }] };
    expect(renderMarkdown(parseReport(serializeReport(named)) as GateReport)).toContain('NaN×1');
  });
});

describe('a report file the renderers can trust', () => {
  test('a report the gate wrote holds no markup outside its text fields', () => {
    expect(unexpectedText(parseReport(serializeReport(unboundedReport())))).toEqual([]);
  });

  test("what a function's error said is text, whatever markup it holds", () => {
    const report = sampleReport();
    const failed = {
      failed: 6,
      calls: 6,
      errorType: 'Runtime.UserCodeSyntaxError',
      errorMessage: 'SyntaxError: Unexpected token `<` in <template> [line 1]',
    };
    const neverRuns = {
      kind: 'wrong-answer',
      about: 'never-runs',
      exemplar: 'e',
      candidate: failed,
      baseline: failed,
      message: 'exemplar e: both builds fail every call',
    } as const;
    const withIt = { ...report, functions: [{ ...report.functions[0]!, findings: [neverRuns] }] };
    expect(unexpectedText(parseReport(serializeReport(withIt)))).toEqual([]);
  });

  test('markup where an id, a unit or a verdict belongs is named, field by field', () => {
    const report = sampleReport();
    const fn = report.functions[0]!;
    const forged = {
      ...report,
      functions: [
        {
          ...fn,
          variants: [{ ...fn.variants[0]!, id: '</details><img src=x>' }],
          findings: [{ ...fn.findings[0]!, variant: '@octocat' }],
        },
      ],
    };
    expect(unexpectedText(forged)).toEqual([
      '$.functions[0].findings[0].variant holds "@octocat", which no report of this action holds there',
      '$.functions[0].variants[0].id holds "</details><img src=x>", which no report of this action holds there',
    ]);
  });
});
