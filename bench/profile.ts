/**
 * `npm run bench:profile`: how often the profile diff names a change, live on the local service.
 *
 * Rows (PROFILE_RUNS runs each, default 20; PROFILE_ROWS picks some):
 * - `aa`: the demo's baseline against itself. A run "shows a change" when any function's
 *   interval excludes zero; the target is at most 5% of runs.
 * - `double`: three named functions, the candidate's `price` doing twice the hashing. The target
 *   is `price` first, with an interval above zero.
 * - `demo`: the demo's baseline and candidate: is `riskScore` first, and `formatPrices` named?
 * Each run also gives its seconds: profiling's cost. Load with PROFILE_HOGS=2 (two CPU hogs).
 * `--json FILE` writes the rows.
 */
import { threeFunctionHandler } from '../__tests__/helpers/hashing.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import type { ExemplarSpec } from '../src/config/types.js';
import { packageRoot } from '../src/package-root.js';
import { profileBuilds } from '../src/profile/run-profile.js';
import type { ProfileReport } from '../src/result/profile.js';
import { startHogs } from './hogs.js';
import { median } from './support.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const RUNS = Number(process.env.PROFILE_RUNS ?? 20);
const ROWS = (process.env.PROFILE_ROWS ?? 'aa,double,demo').split(',');
const HOGS = Number(process.env.PROFILE_HOGS ?? 0);
const jsonAt = process.argv.indexOf('--json');
const jsonFile = jsonAt > 0 ? process.argv[jsonAt + 1] : undefined;

const zip = (files: Record<string, string>): { zip: Buffer } => ({
  zip: Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, Buffer.from(text)])))),
});
const example = (build: string): string =>
  readFileSync(join(packageRoot(), 'examples/orders', build, 'index.mjs'), 'utf8');
const event = (name: string): Buffer => readFileSync(join(packageRoot(), 'examples/orders/events', `${name}.json`));
const demoExemplars: ExemplarSpec[] = [
  ...Array.from({ length: 3 }, () => ({ name: 'small-order', payload: event('small-order'), weight: 3 })),
  { name: 'large-order', payload: event('large-order'), weight: 1 },
];

interface Row {
  readonly label: string;
  readonly handler: string;
  readonly baseline: Record<string, string>;
  readonly candidate: Record<string, string>;
  readonly exemplars: ExemplarSpec[];
  /** What this row counts as a hit, for its column. */
  readonly hit: (profile: ProfileReport) => boolean;
  readonly hitName: string;
}

const rows: Row[] = [
  {
    label: 'aa',
    handler: 'index.handler',
    baseline: { 'index.mjs': example('baseline') },
    candidate: { 'index.mjs': example('baseline') },
    exemplars: demoExemplars,
    hit: (p) => p.changes.length > 0,
    hitName: 'runs showing any change',
  },
  {
    label: 'double',
    handler: 'index.handler',
    baseline: { 'index.js': threeFunctionHandler(20) },
    candidate: { 'index.js': threeFunctionHandler(40) },
    exemplars: [{ name: 'order', payload: Buffer.from('{"n":3}'), weight: 1 }],
    hit: (p) => p.changes[0]?.function === 'price' && p.changes[0].interval[0] > 0,
    hitName: 'runs with price first, interval above 0',
  },
  {
    label: 'demo',
    handler: 'index.handler',
    baseline: { 'index.mjs': example('baseline') },
    candidate: { 'index.mjs': example('candidate') },
    exemplars: demoExemplars,
    hit: (p) => p.changes[0]?.function === 'riskScore' && p.changes.some((c) => c.function === 'formatPrices'),
    hitName: 'runs with riskScore first and formatPrices named',
  },
];

const results: object[] = [];
const hogs = HOGS ? startHogs(HOGS) : undefined;
try {
  console.log(`bench:profile: ${RUNS} runs per row, ${HOGS} CPU hogs`);
  console.log(
    '| row | runs | hits | what a hit is | changes shown per run (median, max) | first change (most often) | seconds per run (median, max) |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows.filter((r) => ROWS.includes(r.label))) {
    let hits = 0;
    const shown: number[] = [];
    const seconds: number[] = [];
    const firsts = new Map<string, number>();
    for (let run = 0; run < RUNS; run++) {
      const started = Date.now();
      const profile = await profileBuilds({
        functionName: `bench-${row.label}`,
        base: {
          runtime: 'nodejs20.x',
          handler: row.handler,
          role: 'arn:aws:iam::000000000000:role/bench',
          timeoutS: 30,
          memoryMb: 1024,
          environment: {},
          extra: {},
        },
        codes: { baseline: zip(row.baseline), candidate: zip(row.candidate) },
        variant: {
          id: '1024MB-x86_64',
          memoryMb: 1024,
          architecture: 'x86_64',
          name: 'default',
          environment: {},
          snapStart: false,
        },
        exemplars: row.exemplars,
        region: 'us-east-1',
        measuredOn: 'local',
      });
      seconds.push((Date.now() - started) / 1000);
      if ('notice' in profile) throw new Error(`${row.label}: ${profile.notice}`);
      if (row.hit(profile)) hits++;
      shown.push(profile.changes.length);
      const first = profile.changes[0] ? `${profile.changes[0].function} (${profile.changes[0].file})` : '(none)';
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    const [topFirst, topCount] = [...firsts].sort((a, b) => b[1] - a[1])[0]!;
    console.log(
      `| ${row.label} | ${RUNS} | ${hits} | ${row.hitName} | ${median(shown)}, ${Math.max(...shown)} | ${topFirst} ×${topCount} | ${median(seconds).toFixed(1)}, ${Math.max(...seconds).toFixed(1)} |`,
    );
    results.push({
      row: row.label,
      runs: RUNS,
      hogs: HOGS,
      hits,
      hit: row.hitName,
      changesShown: shown,
      seconds,
      firsts: Object.fromEntries(firsts),
    });
  }
} finally {
  hogs?.stop();
}
if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
