// A Jest reporter: at the end of a run, lists the tests skipped because the host lacked what they
// need, so that a run that is not root, or has no AWS CLI, says so instead of passing quietly with
// fewer tests. Two kinds (see __tests__/helpers/host-needs.ts): tests registered as skipped carry
// "[skipped: needs …]" in their titles; tests that find out only while running call skipBecause,
// which appends to the file this reporter names in LAMBDA_PERF_GATE_SKIP_LOG.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MARK = '[skipped: needs ';

export default class SkipReporter {
  constructor() {
    this.directory = mkdtempSync(join(tmpdir(), 'lambda-perf-gate-skips-'));
    this.log = join(this.directory, 'skips.jsonl');
    process.env.LAMBDA_PERF_GATE_SKIP_LOG = this.log;
  }

  onRunComplete(_contexts, results) {
    const skipped = [];
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status !== 'pending') continue;
        const title = [...test.ancestorTitles, test.title].join(' › ');
        const at = title.indexOf(MARK);
        if (at < 0) continue;
        const needs = title.slice(at + MARK.length, title.indexOf(']', at));
        skipped.push({ needs, title: title.replace(` ${MARK}${needs}]`, '') });
      }
    }
    let logged = '';
    try {
      logged = readFileSync(this.log, 'utf8');
    } catch {
      // No test skipped while running.
    }
    for (const line of logged.split('\n').filter(Boolean)) skipped.push(JSON.parse(line));
    rmSync(this.directory, { recursive: true, force: true });
    if (!skipped.length) {
      process.stderr.write('\nNo test was skipped for want of something on this host.\n');
      return;
    }
    const byNeed = new Map();
    for (const { needs, title } of skipped) byNeed.set(needs, [...(byNeed.get(needs) ?? []), title]);
    const lines = [`\n${skipped.length} test(s) skipped: this host lacks what they need.`];
    for (const [needs, titles] of byNeed) {
      lines.push(`  needs ${needs} (${titles.length}):`);
      for (const title of titles) lines.push(`    - ${title}`);
    }
    process.stderr.write(`${lines.join('\n')}\n`);
  }
}
