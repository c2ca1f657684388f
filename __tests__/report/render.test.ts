import type { MetricComparison } from '../../src/analysis/comparison.js';
import type { VariantResult } from '../../src/analysis/result.js';
import { reportedFindings } from '../../src/report/findings.js';
import { commentMarker, renderMarkdown } from '../../src/report/markdown.js';
import type { GateReport } from '../../src/result/model.js';
import { renderTerminal } from '../../src/report/terminal.js';
import {
  recommendedImprovedElsewhereSlower,
  sampleReport,
  scenarioReport,
  withIntegrationRegression,
} from '../helpers/report-fixture.js';

/** The sample report with its function's variants changed, or cut to some of them. */
function withVariants(change: (variants: readonly VariantResult[]) => VariantResult[]): GateReport {
  const report = sampleReport();
  const fn = report.functions[0]!;
  return { ...report, functions: [{ ...fn, variants: change(fn.variants) }] };
}

describe('the markdown report (the PR comment)', () => {
  const markdown = renderMarkdown(sampleReport(), { charts: true, key: 'lambda-perf.yml' });
  const aboveTheFold = markdown.split('<details>')[0]!;

  test('the footer names the backend: the local service, AWS with its region, or another endpoint', () => {
    const footer = (backend: GateReport['backend']): string =>
      renderMarkdown({ ...sampleReport(), backend, region: 'eu-west-1' }, { charts: false, key: 'k' })
        .split('\n')
        .findLast((line) => line.startsWith('<sub>'))!;
    expect(footer('local')).toMatch(/^<sub>Local Lambda service · /);
    expect(footer('aws')).toMatch(/^<sub>AWS eu-west-1 · /);
    expect(footer('endpoint')).toMatch(/^<sub>Lambda-compatible endpoint eu-west-1 · /);
    expect(footer('endpoint')).not.toContain('AWS');
  });

  test('starts with the hidden marker, the hidden state line and the verdict', () => {
    const [marker, state, verdict] = markdown.split('\n');
    expect(marker).toBe(commentMarker('lambda-perf.yml', 'fail'));
    expect(state).toBe('<!-- lambda-perf-gate-state v=1 f=orders,fail,+23.4 -->');
    expect(verdict).toBe('## ❌ lambda-perf-gate: fail');
  });

  test('says plainly, above the fold, when durations were not scaled by memory', () => {
    expect(aboveTheFold).toContain('> ⚠️ Local Lambda service: CPU is NOT throttled by memory');
  });

  test('one headline: verdict, warm change with its interval, cost change, recommended memory and its monthly effect', () => {
    expect(aboveTheFold).toContain(
      "❌ **orders** at 256 MB: warm +23% [+15, +32] (median 122 → 151 ms), cost +23% per million; recommend 512 MB (\\$3.83 a month, +\\$0.075 by this change, at 5,000,000 invocations a month from the configuration's traffic)",
    );
  });

  test('one compact table with p50 and p90 baseline → candidate, the change, cost per million and the result; the recommended row marked', () => {
    expect(aboveTheFold).toContain('| Variant | p50 ms | p90 ms | Warm change | Cost / 1M | Result |');
    expect(aboveTheFold).toContain(
      '| **512 MB** ⭐ | 60.0 → 61.2 | 78.0 → 79.6 | +2.0% [-6.0, +11] | \\$0.750 → \\$0.765 (+2.0%) | ✅ |',
    );
    expect(aboveTheFold).toContain(
      '| 256 MB | 122 → 151 | 159 → 196 | +23% [+15, +32] | \\$0.750 → \\$0.925 (+23.4%) | ❌ slower, over budget: warm-p90-ms |',
    );
  });

  test('findings in one short line each, without the statistics the details repeat', () => {
    expect(aboveTheFold).toContain('- ❌ Slower beyond the 5% tolerance: warm at 256 MB\n');
    expect(aboveTheFold).not.toContain('99% CI');
    expect(aboveTheFold.split('\n').every((line) => line.length <= 320)).toBe(true);
  });

  test('folds the statistics, environment pairs and budgets, and draws duration and cost against memory with a legend', () => {
    expect(markdown).toContain('<details><summary>Statistics, environment pairs, budgets</summary>');
    expect(markdown).toContain('<details><summary>Chart: duration and cost against memory</summary>');
    expect(markdown).toContain(
      'xychart-beta\n  title "orders x86_64: warm p50 (ms)"\n  x-axis "memory (MB)" [256, 512, 1024]',
    );
    expect(markdown).toContain('title "orders x86_64: cost per million ($)"');
    expect(markdown).toContain('"plotColorPalette": "#2563eb, #ea580c"');
    expect(markdown).toContain('🟦 baseline · 🟧 candidate');
    expect(renderMarkdown(sampleReport(), { charts: false })).not.toContain('mermaid');
  });

  test.each([
    ['one memory size', 1],
    ['two memory sizes', 2],
  ])('no chart for %s: a line of two points says no more than the table', (_sizes, count) => {
    expect(renderMarkdown(withVariants((variants) => variants.slice(0, count)))).not.toContain('mermaid');
  });

  test('says what each comparison rests on, and "too few cold starts to compare" instead of an infinite interval', () => {
    expect(markdown).toContain(
      '| Variant | Metric | Change | Interval | p (slower) | n base/cand | Outcome | Evidence |',
    );
    expect(markdown).toMatch(
      /\| 256 MB \| warm \| \+23\.4% \| .* \| regression \| 8 environment pairs; environments differ by 3\.1% \(sd\), pairs within one by 2\.0% \|/,
    );
    expect(markdown).toContain(
      '| 256 MB | cold | +10.0% | too few cold starts to compare | 0.2000 | 3/3 | inconclusive | 3 environment pairs |',
    );
    expect(markdown).not.toContain('∞');
    expect(markdown).not.toContain('-100.0%');
  });

  test('an interval bounded on one side only shows that side: a pass of few whole runs shows the upper end that decided it', () => {
    // Three integration runs a build, one after the other: no lower end at 1%, an upper one at 5%.
    const report = withIntegrationRegression();
    const fn = report.functions[0]!;
    const [warm] = fn.integration!.comparisons;
    const withIntegration = (c: MetricComparison): GateReport => ({
      ...report,
      functions: [{ ...fn, findings: [], integration: { ...fn.integration!, mode: 'sequential', comparisons: [c] } }],
    });
    const pass = { ...warm!, ratio: 1.01, ciLow: 0, ciHigh: 1.04, outcome: 'no-regression' as const, rounds: [] };
    const markdown = renderMarkdown(withIntegration(pass));
    expect(markdown).toContain('Warm change +1.0% [below +4.0]: no-regression.');
    expect(markdown).toContain(
      "<sub>Interval: the 94% CI that decided. Its upper end is at the pass level (a pass needs it below the tolerance); too few samples give it a lower end at the false-alarm level of the metric's step in Holm's procedure across the integration metrics, so no regression could be shown.</sub>",
    );
    expect(renderTerminal(withIntegration(pass))).toContain(', +1.0% [below +4.0%] no-regression');
    expect(markdown).not.toContain('-100');
    // And the other way: a lower end (below half the tolerance) without an upper one.
    const above = { ...pass, ratio: 1.2, ciLow: 1.02, ciHigh: Infinity, outcome: 'inconclusive' as const };
    expect(renderMarkdown(withIntegration(above))).toContain('Warm change +20% [above +2.0]: inconclusive.');
    expect(renderMarkdown(withIntegration(above))).toContain(
      'too few samples give it an upper end at the pass level, so no pass could be shown.</sub>',
    );
    expect(renderTerminal(withIntegration(above))).toContain(', +20.0% [above +2.0%] inconclusive');
    expect(renderMarkdown(withIntegration(above))).not.toContain('∞');
  });

  test('a one-sided exemplar interval reads the same in the headline, the tables and the terminal', () => {
    const report = sampleReport();
    const fn = report.functions[0]!;
    // Every variant's warm comparison bounded above only, as a pass at an early look with a small false-alarm share.
    const variants = fn.variants.map((v) => ({
      ...v,
      comparisons: v.comparisons.map((c) =>
        c.metric === 'warm' ? { ...c, ratio: 1.01, ciLow: 0, ciHigh: 1.04, outcome: 'no-regression' as const } : c,
      ),
    }));
    const onePass: GateReport = { ...report, functions: [{ ...fn, findings: [], variants }] };
    const markdown = renderMarkdown(onePass);
    const top = markdown.split('<details>')[0]!;
    expect(top).toMatch(/\*\*orders\*\* at 512 MB: warm \+1\.0% \[below \+4\.0\] \(median 60\.0 → 61\.2 ms\), cost/);
    expect(top).toContain('| 256 MB | 122 → 151 | 159 → 196 | +1.0% [below +4.0] |');
    expect(markdown).toContain('| 256 MB | warm | +1.0% | below +4.0% |');
    expect(renderTerminal(onePass)).toContain('+1.0% [below +4.0%]');
    expect(markdown).not.toContain('too few warm samples');
  });

  test('stays inside the size limit, trimming with a notice: charts first, then details, then tables', () => {
    const big = sampleReport(80);
    const full = renderMarkdown(big, { charts: true, limit: Infinity });
    expect(full.length).toBeGreaterThan(65_536);
    const trimmed = renderMarkdown(big, { charts: true, limit: 65_536 });
    expect(trimmed.length).toBeLessThanOrEqual(65_536);
    expect(trimmed).toContain("Trimmed to fit GitHub's size limit");
    expect(trimmed).not.toContain('mermaid');
    const tiny = renderMarkdown(big, { limit: 2_000 });
    expect(tiny.length).toBeLessThanOrEqual(2_000);
    expect(tiny).toContain('Trimmed');
  });
});

describe('the terminal report', () => {
  test('verdict, the note on CPU scaling, a table with the recommended variant starred, findings', () => {
    const text = renderTerminal(sampleReport());
    expect(text.split('\n')[0]).toBe('lambda-perf-gate: FAIL');
    expect(text).toContain('note: Local Lambda service: CPU is NOT throttled');
    expect(text).toMatch(/512MB-x86_64 \* +60\.0 -> 61\.2 +\+2\.0% \[-6\.0%, \+11\.0%\]/);
    expect(text).toContain('  - [regression] 256MB-x86_64: warm duration +23.4%');
  });
});

describe('the headline quotes the variant that decided the verdict, by name', () => {
  const headlineOf = (markdown: string): string =>
    markdown.split('\n').find((line) => /^(✅|❌|⚠️) \*\*orders\*\*/.test(line))!;

  test.each(['regression', 'inconclusive'] as const)(
    'decided at 1024 MB (%s), not at the recommended 512 MB that got faster',
    (outcome) => {
      const line = headlineOf(renderMarkdown(recommendedImprovedElsewhereSlower(outcome)));
      expect(line).toMatch(
        /\*\*orders\*\* at 1024 MB: warm \+12% \[[^\]]+\] \(median [\d.]+ → [\d.]+ ms\), cost \+12% per million; recommend 512 MB /,
      );
      expect(line).not.toContain('-10.0%');
    },
  );

  test('a pass quotes the recommended variant, and names it', () => {
    expect(headlineOf(renderMarkdown(scenarioReport('pass')))).toMatch(
      /^✅ \*\*orders\*\* at 512 MB: warm \+1\.0% \[[^\]]+\] \(median 60\.0 → 61\.2 ms\), cost \+2\.0% per million; recommend 512 MB /,
    );
  });
});

describe('the spreads ("environments differ by", "pairs within one by") are explained in plain words where they are shown', () => {
  const plain =
    'one execution environment runs the same code faster or slower than another by this much (a standard deviation)';

  test('in the comment: under a finding above the fold that quotes them', () => {
    const top = renderMarkdown(scenarioReport('inconclusive')).split('<details>')[0]!;
    expect(top).toContain('environments differ by 9.0% (sd)');
    expect(top).toContain(plain);
  });

  test("in the comment: once under the statistics' evidence column", () => {
    const markdown = renderMarkdown(sampleReport());
    const folded = markdown.split('<details><summary>Statistics')[1]!;
    expect(folded).toContain('pairs within one by 2.0%');
    expect(folded).toContain(plain);
    expect(folded).toContain('back-to-back baseline and candidate calls on the same two environments');
    expect(markdown.split(plain)).toHaveLength(2);
  });

  test('not where no spread is shown above the fold', () => {
    expect(renderMarkdown(scenarioReport('pass')).split('<details>')[0]).not.toContain(plain);
  });

  test('in the terminal, under the finding that quotes them', () => {
    const text = renderTerminal(scenarioReport('inconclusive'));
    expect(text).toContain('environments differ by 9.0% (sd)');
    expect(text).toContain(plain);
    expect(renderTerminal(scenarioReport('pass'))).not.toContain(plain);
  });
});

describe('the comment carries no noise', () => {
  const aboveTheFold = (markdown: string): string => markdown.split('<details>')[0]!;

  test('a spread that rounds to 0.0% is not quoted', () => {
    const still = withVariants((variants) =>
      variants.map((v) => ({
        ...v,
        comparisons: v.comparisons.map((c) =>
          c.spread ? { ...c, spread: { betweenEnvironments: 0.0001, withinEnvironment: 0.02 } } : c,
        ),
      })),
    );
    const markdown = renderMarkdown(still);
    expect(markdown).not.toMatch(/environments differ by \d/);
    expect(markdown).toContain('| 8 environment pairs; pairs within one by 2.0% |');
  });

  test('the integration traffic is said once above the fold, in its short line; the long finding is in the details', () => {
    const markdown = renderMarkdown(withIntegrationRegression());
    const top = aboveTheFold(markdown);
    expect(top.match(/integration traffic/gi)).toHaveLength(1);
    expect(top).toContain('- ❌ Integration traffic at 256 MB: warm +23% [+15, +32], regression\n');
    expect(markdown.split('<summary>Statistics')[1]).toContain(
      '- ❌ integration traffic at 256MB-x86_64: warm duration +23.4% (94% CI +15.4% to +32.4%, p&lt;0.0001, n=69/69; by round +30.0% (34 pairs, regression), +35.0% (35 pairs, regression)) exceeds the 5% tolerance',
    );
    // The interval it quotes is named, with the levels that decided it, once, under the integration table.
    const details = markdown.split('Integration traffic: <code>')[1]!;
    expect(details).toContain('Warm change +23% [+15, +32]: regression.');
    expect(
      markdown.match(
        /<sub>Interval: the 94% CI that decided\. Its lower end is at the false-alarm level of the metric's step in Holm's procedure[^<]*; every round must also decide alike\.<\/sub>/g,
      ),
    ).toHaveLength(1);
    expect(renderMarkdown(sampleReport())).not.toContain("step in Holm's procedure");
  });
});

describe('which exemplar got slower', () => {
  test("folded under the compact table: each exemplar's change per variant, the summary naming the one that changed most where the headline quotes", () => {
    const markdown = renderMarkdown(sampleReport());
    expect(markdown).toContain('<details><summary>By exemplar: large-order changed most at 256 MB (+51%)</summary>');
    expect(markdown).toContain('| Variant | Exemplar | Warm p50 ms | Change | Pairs |');
    expect(markdown).toContain('| 256 MB | small-order | 110 → 125 | +14% | 30 |');
    expect(markdown).toContain('| 256 MB | large-order | 159 → 240 | +51% | 10 |');
    expect(markdown.indexOf('By exemplar')).toBeGreaterThan(markdown.indexOf('| Variant | p50 ms |'));
  });

  test('in the terminal, a line per variant', () => {
    expect(renderTerminal(sampleReport())).toContain(
      '  by exemplar at 256MB-x86_64: small-order +14% (110 -> 125 ms), large-order +51% (159 -> 240 ms)',
    );
  });

  test('the summary names the largest change either way: an exemplar 20% faster beats one 5% slower', () => {
    const faster = withVariants((variants) =>
      variants.map((v) => ({
        ...v,
        exemplars: [
          { ...v.exemplars![0]!, ratio: 1.05 },
          { ...v.exemplars![1]!, ratio: 0.8 },
        ],
      })),
    );
    expect(renderMarkdown(faster)).toContain(
      '<summary>By exemplar: large-order changed most at 256 MB (-20%)</summary>',
    );
  });

  test('not for a function with one exemplar, where it would repeat the variant', () => {
    const one = withVariants((variants) => variants.map((v) => ({ ...v, exemplars: v.exemplars!.slice(0, 1) })));
    expect(renderMarkdown(one)).not.toContain('By exemplar');
    expect(renderTerminal(one)).not.toContain('by exemplar');
  });
});

describe('the traffic behind every monthly figure', () => {
  test("the headline's monthly cost says the invocations a month it assumes, and that the configuration gave them", () => {
    expect(renderMarkdown(sampleReport()).split('<details>')[0]).toContain(
      "recommend 512 MB (\\$3.83 a month, +\\$0.075 by this change, at 5,000,000 invocations a month from the configuration's traffic)",
    );
  });

  test('a default traffic says so, and which key sets it', () => {
    const report = sampleReport();
    const defaulted = {
      ...report,
      settings: { ...report.settings, invocationsPerMonth: 1e6, trafficSource: 'default' as const },
    };
    expect(renderMarkdown(defaulted).split('<details>')[0]).toContain(
      'at the default 1,000,000 invocations a month; set traffic.invocations-per-month)',
    );
  });

  test("the details' monthly column names it too", () => {
    expect(renderMarkdown(sampleReport())).toContain(
      "| Cost / invocation | Monthly at 5,000,000 invocations a month from the configuration's traffic |",
    );
  });
});

describe("production's current memory beside the recommendation", () => {
  const withProduction = (production?: { function: string; memoryMb?: number }) => {
    const report = sampleReport();
    return { ...report, functions: [{ ...report.functions[0]!, ...(production ? { production } : {}) }] };
  };

  test('the memory the template runs with now, in the headline and the terminal', () => {
    const report = withProduction({ function: 'prod-orders', memoryMb: 256 });
    expect(renderMarkdown(report)).toContain('; recommend 512 MB (current: 256 MB; \\$3.83 a month, ');
    expect(renderTerminal(report)).toContain('recommended memory 512 MB (current: 256 MB; cheapest within');
  });

  test('"current: unknown" when the template did not say; nothing when the configuration names no production function', () => {
    expect(renderMarkdown(withProduction({ function: 'prod-orders' }))).toContain(
      '; recommend 512 MB (current: unknown; \\$3.83 a month, ',
    );
    expect(renderMarkdown(withProduction())).not.toContain('current:');
    expect(renderTerminal(withProduction())).not.toContain('current:');
  });
});

describe('a pass whose cold starts were not shown unchanged', () => {
  const report = sampleReport();
  const fn = report.functions[0]!;
  const [notice] = reportedFindings([{ kind: 'notice', about: 'cold-not-shown', variants: [fn.variants[0]!.id] }], {
    variants: fn.variants,
    tolerance: fn.tolerance,
  });
  const passing: GateReport = {
    ...report,
    verdict: 'pass',
    functions: [{ ...fn, verdict: 'pass', findings: [notice!] }],
  };

  test('the comment says "cold start: not enough evidence" above the fold; its figures are in the details\' table', () => {
    const markdown = renderMarkdown(passing, { charts: false, key: 'lambda-perf.yml' });
    const [aboveTheFold, ...rest] = markdown.split('<details>');
    expect(aboveTheFold).toContain(
      '- ℹ️ cold start: not enough evidence at 256MB-x86_64: neither slower nor within 5% was shown, so the verdict there covers warm duration only',
    );
    expect(rest.join('<details>')).toMatch(/\| 256 MB[^|]* \| cold \| \+10\.0% \|/);
  });

  test('the terminal says it too', () => {
    expect(renderTerminal(passing)).toContain(
      '  - [notice] cold start: not enough evidence at 256MB-x86_64 (+10.0%, too few to bound, 3 environment pairs): neither slower nor within 5% was shown, so the verdict there covers warm duration only',
    );
  });
});
