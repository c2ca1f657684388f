// Simulation of the gate's verdict: log-normal durations with 10% CV, outliers, drift, bursts of
// host load and lasting per-environment offsets, sampled and decided the way the gate samples and
// decides (the real `decideSequential` on real Sample records), beside the rule the gate used
// before (bench/legacy-rule.ts). Each scenario runs with a true change of 0% (A/A), +5% (exactly
// the tolerance) and +10%. Prints a table; `-- --json FILE` also writes one object per row.
//
// Environment variables: STATS_RUNS (default 2000), STATS_PAIRS / STATS_BATCH / STATS_CAP (the
// plan under test; defaults are the gate's), STATS_SCENARIOS (comma-separated names), STATS_LEGACY=0.
import { writeFileSync } from 'node:fs';
import { decideSequential } from '../src/analysis/sequential.js';
import { environmentPairsAtLook, lookFractions, type SequentialPlan } from '../src/looks/schedule.js';
import { SAMPLING_DEFAULTS } from '../src/config/schema.js';
import { sampleFromReport, type Sample } from '../src/model/sample.js';
import { gaussian, seededRandom } from '../src/random.js';
import { LEGACY, legacyDecide } from './legacy-rule.js';

type Random = () => number;

const RUNS = Number(process.env.STATS_RUNS ?? 2000);
const CV = 0.1;
const OUTLIER_RATE = 0.02;
const TOLERANCE = 0.05;
const RULES = { alpha: 0.01, beta: 0.05, tolerance: TOLERANCE };
const PLAN: SequentialPlan = {
  pairsPerEnvironment: Number(process.env.STATS_PAIRS ?? SAMPLING_DEFAULTS['pairs-per-environment']),
  batch: Number(process.env.STATS_BATCH ?? SAMPLING_DEFAULTS.batch),
  maxEnvironmentPairs: Number(process.env.STATS_CAP ?? SAMPLING_DEFAULTS['max-environment-pairs']),
};
const jsonIndex = process.argv.indexOf('--json');
const JSON_FILE = jsonIndex >= 0 ? process.argv[jsonIndex + 1] : undefined;

interface Scenario {
  readonly name: string;
  readonly title: string;
  /** Bursts of load common to both builds: AR(1) in log space, phi 0.9, sd 0.2. */
  readonly bursts: boolean;
  /** Bursts of each environment's own (its host's neighbours): AR(1), phi 0.9, sd 0.05. */
  readonly environmentBursts: boolean;
  /** SD (log scale) of each execution environment's lasting speed offset. */
  readonly offsetSd: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'independent', title: 'independent noise', bursts: false, environmentBursts: false, offsetSd: 0 },
  { name: 'bursts-common', title: 'bursts common to both builds', bursts: true, environmentBursts: false, offsetSd: 0 },
  {
    name: 'bursts-per-environment',
    title: 'bursts per environment',
    bursts: false,
    environmentBursts: true,
    offsetSd: 0,
  },
  {
    name: 'offset-2pct',
    title: 'lasting 2% (sd) offset per environment',
    bursts: false,
    environmentBursts: false,
    offsetSd: 0.02,
  },
  {
    name: 'offset-4pct',
    title: 'lasting 4% (sd) offset per environment',
    bursts: false,
    environmentBursts: false,
    offsetSd: 0.04,
  },
  {
    name: 'offset-8pct',
    title: 'lasting 8% (sd) offset per environment',
    bursts: false,
    environmentBursts: false,
    offsetSd: 0.08,
  },
].filter((s) => !process.env.STATS_SCENARIOS || process.env.STATS_SCENARIOS.split(',').includes(s.name));

/** The host: a slow drift and a wave over the run, and optionally bursts of load. */
class Host {
  private load = 0;
  private step = 0;
  constructor(
    private readonly random: Random,
    private readonly scenario: Scenario,
    private readonly length: number,
  ) {}

  factor(): number {
    if (this.scenario.bursts) this.load = 0.9 * this.load + Math.sqrt(1 - 0.81) * 0.2 * gaussian(this.random);
    const t = this.step++ / this.length;
    return (1 + 0.1 * t + 0.05 * Math.sin(t * 6 * Math.PI)) * Math.exp(this.load);
  }
}

/** One execution environment: a lasting offset, and optionally bursts of its own. */
class Environment {
  private load = 0;
  readonly offset: number;
  constructor(
    private readonly random: Random,
    private readonly scenario: Scenario,
  ) {
    this.offset = Math.exp(scenario.offsetSd * gaussian(random));
  }

  factor(): number {
    if (this.scenario.environmentBursts)
      this.load = 0.9 * this.load + Math.sqrt(1 - 0.81) * 0.05 * gaussian(this.random);
    return this.offset * Math.exp(this.load);
  }
}

/** One duration: log-normal around `median`, with occasional slow outliers. */
function draw(random: Random, median: number, cv: number): number {
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  const value = median * Math.exp(sigma * gaussian(random));
  return random() < OUTLIER_RATE ? value * (1.5 + 1.5 * random()) : value;
}

type Verdict = 'fail' | 'pass' | 'inconclusive';
interface Result {
  readonly verdict: Verdict;
  /** Invocations per build, cold starts included. */
  readonly perArm: number;
}
type Rule = (random: Random, ratio: number, scenario: Scenario) => Result;

/** The gate: environment pairs in batches, each a cold call per build then m AB/BA pairs, decided by `decideSequential`. */
const currentRule: Rule = (random, ratio, scenario) => {
  const perPair = 2 * (PLAN.pairsPerEnvironment + 1);
  const host = new Host(random, scenario, PLAN.maxEnvironmentPairs * perPair);
  const samples: Sample[] = [];
  let pair = 0;
  const call = (
    build: 'baseline' | 'candidate',
    environment: Environment,
    environmentPair: number,
    cold: boolean,
    pairId?: number,
  ): void => {
    const factor = environment.factor() * host.factor() * (build === 'candidate' ? ratio : 1);
    const duration = draw(random, 20 * factor, CV);
    const init = cold ? draw(random, 380 * factor, 0.15) : undefined;
    const report = {
      durationMs: duration,
      billedDurationMs: Math.ceil(duration),
      maxMemoryUsedMb: 60,
      memorySizeMb: 1024,
      ...(init === undefined ? {} : { initDurationMs: init }),
    };
    samples.push(
      sampleFromReport(report, {
        function: 'f',
        build,
        variant: 'v',
        exemplar: 'e',
        sequence: samples.length,
        environmentPair,
        ...(pairId === undefined ? {} : { pair: pairId }),
      }),
    );
  };
  const looks = lookFractions(PLAN).length;
  for (let look = 1; look <= looks; look++) {
    for (let index = environmentPairsAtLook(PLAN, look - 1); index < environmentPairsAtLook(PLAN, look); index++) {
      const environments = {
        baseline: new Environment(random, scenario),
        candidate: new Environment(random, scenario),
      };
      const order = (): ('baseline' | 'candidate')[] =>
        random() < 0.5 ? ['baseline', 'candidate'] : ['candidate', 'baseline'];
      for (const build of order()) call(build, environments[build], index, true);
      for (let i = 0; i < PLAN.pairsPerEnvironment; i++) {
        const id = pair++;
        for (const build of order()) call(build, environments[build], index, false, id);
      }
    }
    const [decision] = decideSequential({ samples, variants: ['v'], plan: PLAN, rules: RULES });
    if (decision!.open) continue;
    const perArm = samples.length / 2;
    if (decision!.comparisons.some((c) => c.outcome === 'regression')) return { verdict: 'fail', perArm };
    return { verdict: decision!.comparisons[0]!.outcome === 'no-regression' ? 'pass' : 'inconclusive', perArm };
  }
  throw new Error('the plan ended with the variant still open');
};

/** The rule before: cold bursts, then AB/BA pairs rotating over 3 environment pairs, looks every 20 pairs to 180. */
const legacyRule: Rule = (random, ratio, scenario) => {
  const host = new Host(random, scenario, LEGACY.warmMax * 2 + LEGACY.cold * 2);
  const environments = {
    baseline: [0, 1, 2].map(() => new Environment(random, scenario)),
    candidate: [0, 1, 2].map(() => new Environment(random, scenario)),
  };
  const duration = (build: 'baseline' | 'candidate', replica: number, median: number, cv: number): number =>
    draw(
      random,
      median * environments[build][replica]!.factor() * host.factor() * (build === 'candidate' ? ratio : 1),
      cv,
    );
  const coldBaseline = Array.from({ length: LEGACY.cold }, (_, i) => duration('baseline', i % 3, 400, 0.15));
  const coldCandidate = Array.from({ length: LEGACY.cold }, (_, i) => duration('candidate', i % 3, 400, 0.15));
  const blocks: number[][] = [[], [], []];
  let pairs = 0;
  let previous = 0;
  for (let n: number = LEGACY.warmMin; n <= LEGACY.warmMax; n += LEGACY.warmMin) {
    for (; pairs < n; pairs++) {
      const replica = pairs % LEGACY.replicas;
      const halves: Record<string, number> = {};
      for (const build of random() < 0.5 ? (['baseline', 'candidate'] as const) : (['candidate', 'baseline'] as const))
        halves[build] = duration(build, replica, 20, CV);
      blocks[replica]!.push(Math.log(halves.candidate! / halves.baseline!));
    }
    const { warm, coldRegression } = legacyDecide(
      {
        coldBaseline,
        coldCandidate,
        blocks,
        fraction: n / LEGACY.warmMax,
        previousFraction: previous / LEGACY.warmMax,
        final: n === LEGACY.warmMax,
      },
      RULES,
    );
    previous = n;
    const perArm = n + LEGACY.cold;
    if (warm === 'regression' || coldRegression) return { verdict: 'fail', perArm };
    if (warm === 'no-regression') return { verdict: 'pass', perArm };
  }
  return { verdict: 'inconclusive', perArm: LEGACY.warmMax + LEGACY.cold };
};

interface Row {
  scenario: string;
  rule: 'default' | 'legacy';
  falseAlarmRate: number;
  passRate: number;
  detectionRate: number;
  passAtToleranceRate: number;
  medianInvocationsPerArm: { aa: number; regression: number };
}

function measure(rule: Rule, name: Row['rule'], scenario: Scenario): Row {
  const random = seededRandom(2026);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const runs = (ratio: number): Result[] => Array.from({ length: RUNS }, () => rule(random, ratio, scenario));
  const aa = runs(1);
  const atTolerance = runs(1 + TOLERANCE);
  const regression = runs(1.1);
  const rate = (results: Result[], verdict: Verdict): number =>
    results.filter((r) => r.verdict === verdict).length / results.length;
  return {
    scenario: scenario.name,
    rule: name,
    falseAlarmRate: rate(aa, 'fail'),
    passRate: rate(aa, 'pass'),
    detectionRate: rate(regression, 'fail'),
    passAtToleranceRate: rate(atTolerance, 'pass'),
    medianInvocationsPerArm: {
      aa: median(aa.map((r) => r.perArm)),
      regression: median(regression.map((r) => r.perArm)),
    },
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
console.log(
  `${RUNS} simulated runs per cell; warm CV ${CV * 100}%, ${OUTLIER_RATE * 100}% outliers x1.5-3, drift +10% and a ±5% wave; tolerance ${TOLERANCE * 100}%, 99% confidence, 95% pass-confidence.`,
);
console.log(
  `default: ${PLAN.pairsPerEnvironment} pairs per environment pair, batches of ${PLAN.batch}, cap ${PLAN.maxEnvironmentPairs} environment pairs (${PLAN.maxEnvironmentPairs * (PLAN.pairsPerEnvironment + 1)} invocations per arm).`,
);
console.log(
  `legacy: ${LEGACY.warmMin}-${LEGACY.warmMax} warm pairs over ${LEGACY.replicas} environment pairs, ${LEGACY.cold} cold starts per build (the rule before).`,
);
console.log('');
console.log(
  '| Scenario | Rule | A/A false alarms | A/A pass | +10% caught | pass at +5% (tolerance) | median invocations per arm (A/A, +10%) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
const rows: Row[] = [];
for (const scenario of SCENARIOS) {
  const rules: [Rule, Row['rule']][] = [[currentRule, 'default']];
  if (process.env.STATS_LEGACY !== '0') rules.push([legacyRule, 'legacy']);
  for (const [rule, name] of rules) {
    const row = measure(rule, name, scenario);
    rows.push(row);
    console.log(
      `| ${scenario.title} | ${name} | ${pct(row.falseAlarmRate)} | ${pct(row.passRate)} | ${pct(row.detectionRate)} | ${pct(row.passAtToleranceRate)} | ${row.medianInvocationsPerArm.aa}, ${row.medianInvocationsPerArm.regression} |`,
    );
  }
}
console.log('');
console.log(
  'Targets for the default at 4% offsets: false alarms <= 1%, A/A pass >= 90%, +10% caught >= 95%, pass at +5% <= 5%, median <= 160 invocations per arm; with no offsets, A/A pass >= 97%.',
);
if (JSON_FILE) {
  writeFileSync(JSON_FILE, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`Wrote ${rows.length} rows to ${JSON_FILE}.`);
}
