import { commentMarker, renderMarkdown } from '../../src/report/markdown.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { sampleReport } from '../helpers/report-fixture.js';

describe('the markdown report (the PR comment)', () => {
  const markdown = renderMarkdown(sampleReport(), { charts: true, key: 'lambda-perf.yml' });

  test('starts with the hidden marker and the verdict', () => {
    const [marker, verdict] = markdown.split('\n');
    expect(marker).toBe(commentMarker('lambda-perf.yml', 'fail'));
    expect(verdict).toBe('## ❌ lambda-perf-gate: fail');
  });

  test('says plainly when durations were not scaled by memory', () => {
    expect(markdown).toContain('> ⚠️ Local Lambda service: CPU is NOT throttled by memory');
  });

  test('has one table per function, the recommended memory marked, the reasons listed', () => {
    expect(markdown).toContain('### ❌ orders: fail — recommended memory **512 MB**');
    expect(markdown).toContain('- ❌ 256MB-x86_64: warm duration +23.4%');
    expect(markdown).toContain('| **512MB-x86_64** ⭐ | 60.0 → 61.2 | +2.0% (-6.0% … +11.0%) |');
    expect(markdown).toMatch(/\| 256MB-x86_64 \| 122 → 151 \| \+23\.4% .*\| ❌ regression, over budget: warm-p90-ms \|/);
  });

  test('folds the details and draws duration and cost against memory with Mermaid', () => {
    expect(markdown).toContain('<details><summary>Details</summary>');
    expect(markdown).toContain('```mermaid\nxychart-beta\n  title "orders x86_64: warm p50 (ms)"\n  x-axis "memory (MB)" [256, 512, 1024]');
    expect(markdown).toContain('title "orders x86_64: cost per million ($)"');
    expect(renderMarkdown(sampleReport())).not.toContain('mermaid');
  });

  test('says what each comparison rests on (its environment pairs and their spread), and an unbounded interval as such', () => {
    expect(markdown).toContain('| Variant | Metric | Change | CI | p (slower) | n base/cand | Outcome | Evidence |');
    expect(markdown).toMatch(/\| 256MB-x86_64 \| warm \| \+23\.4% \| .* \| regression \| 8 environment pairs; environments differ by 3\.1% \(sd\), pairs within one by 2\.0% \|/);
    expect(markdown).toContain('| 256MB-x86_64 | cold | +10.0% | -100.0% … +∞ | 0.2000 | 3/3 | inconclusive | 3 environment pairs |');
  });

  test('stays inside the size limit, trimming with a notice', () => {
    const big = sampleReport(80);
    const full = renderMarkdown(big, { charts: true, limit: Infinity });
    expect(full.length).toBeGreaterThan(65_536);
    const trimmed = renderMarkdown(big, { charts: true, limit: 65_536 });
    expect(trimmed.length).toBeLessThanOrEqual(65_536);
    expect(trimmed).toContain("Trimmed to fit GitHub's size limit");
    const tiny = renderMarkdown(big, { limit: 2_000 });
    expect(tiny.length).toBeLessThanOrEqual(2_000);
    expect(tiny).toContain('Trimmed');
  });
});

describe('the terminal report', () => {
  test('verdict, the note on CPU scaling, a table with the recommended variant starred, reasons', () => {
    const text = renderTerminal(sampleReport());
    expect(text.split('\n')[0]).toBe('lambda-perf-gate: FAIL');
    expect(text).toContain('note: Local Lambda service: CPU is NOT throttled');
    expect(text).toMatch(/512MB-x86_64 \* +60\.0 -> 61\.2 +\+2\.0% \[-6\.0%, \+11\.0%\]/);
    expect(text).toContain('  - [regression] 256MB-x86_64: warm duration +23.4%');
  });
});
