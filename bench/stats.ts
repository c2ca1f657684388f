// Simulation of the gate's verdict: log-normal durations with 10% CV, outliers, drift, bursts of
// host load, lasting per-environment offsets and platform faults that hit both builds alike,
// sampled by the gate's own sampler as it runs (`Sampler` under `measureSequentially`: batches of
// environment pairs, cold calls in alternating order, the default concurrency) and decided by
// the gate's own `analyzeFunction`, so every rate is one of whole gate runs (one function with 1
// or 3 variants, warm and cold metrics, error findings). Each scenario runs with a true change
// of 0% (A/A), +2.5% (half the tolerance), +5% (the tolerance) and +10%, on every variant. Prints a
// table; `-- --json FILE` also writes one object per row. The rule before (bench/legacy-rule.ts,
// one variant, no sampler) is added with STATS_LEGACY=1.
//
// Rows of rule `duet` run the same gate with `sampling.design: duet`: both builds share each
// execution environment (its lasting offset and bursts); each build's first call there (the
// first is both builds' INIT) is in no comparison, so the duet has no cold metric.
//
// Environment variables: STATS_RUNS (default 2000), STATS_PAIRS / STATS_BATCH / STATS_CAP (the
// plan under test; defaults are the gate's), STATS_SCENARIOS (comma-separated names),
// STATS_VARIANTS (comma-separated counts, default 1,3), STATS_ERRORS (the platform fault rate per
// call, default 0.005), STATS_DESIGNS (comma-separated: separate, duet; default both),
// STATS_LEGACY=1.
import { writeFileSync } from 'node:fs';
import { analyzeFunction } from '../src/analysis/analyze.js';
import type { Verdict } from '../src/analysis/result.js';
import type { ExemplarSpec, FunctionSpec, SamplingDesign } from '../src/config/types.js';
import { designDefaults, SAMPLING_DEFAULTS } from '../src/config/schema.js';
import { measureSequentially } from '../src/gate/sequential-sampling.js';
import type { Invocation } from '../src/lambda/invoke.js';
import type { SequentialPlan } from '../src/looks/schedule.js';
import { Sampler, type ArmTarget } from '../src/measure/sampler.js';
import type { VariantPlan } from '../src/model/variant.js';
import { gaussian, seededRandom } from '../src/random.js';
import { namedPairSource } from '../__tests__/helpers/pair-source.js';
import { LEGACY, legacyDecide } from './legacy-rule.js';

type Random = () => number;

const RUNS = Number(process.env.STATS_RUNS ?? 2000);
const CV = 0.1;
const OUTLIER_RATE = 0.02;
const TOLERANCE = 0.05;
const PLATFORM_ERROR_RATE = Number(process.env.STATS_ERRORS ?? 0.005);
const VARIANT_COUNTS = (process.env.STATS_VARIANTS ?? '1,3').split(',').map(Number);
const DESIGNS = (process.env.STATS_DESIGNS ?? 'separate,duet').split(',') as SamplingDesign[];
const EXEMPLAR = { name: 'e', weight: 1, payload: Buffer.from('{}') } as unknown as ExemplarSpec;
const SPEC = { name: 'f', tolerance: TOLERANCE, budgets: {}, exemplars: [EXEMPLAR] } as unknown as FunctionSpec;
const RULES = { alpha: 0.01, beta: 0.05, tolerance: TOLERANCE };
const PLAN: SequentialPlan = {
  pairsPerEnvironment: Number(process.env.STATS_PAIRS ?? SAMPLING_DEFAULTS['pairs-per-environment']),
  batch: Number(process.env.STATS_BATCH ?? SAMPLING_DEFAULTS.batch),
  maxEnvironmentPairs: Number(process.env.STATS_CAP ?? SAMPLING_DEFAULTS['max-environment-pairs']),
};
/** The plan of a design: the duet's own default batch and cap, as the configuration gives them. */
const planOf = (design: SamplingDesign): SequentialPlan => ({
  ...PLAN,
  batch: Number(process.env.STATS_BATCH ?? designDefaults(design).batch),
  maxEnvironmentPairs: Number(process.env.STATS_CAP ?? designDefaults(design).maxEnvironmentPairs),
});
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

/** The scenarios run unless STATS_SCENARIOS names others: the offset-0pct, -4pct and -8pct. */
const DEFAULT_SCENARIOS = ['offset-0pct', 'offset-4pct', 'offset-8pct'];
const SCENARIOS: Scenario[] = [
  { name: 'offset-0pct', title: 'independent noise', bursts: false, environmentBursts: false, offsetSd: 0 },
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
].filter((s) => (process.env.STATS_SCENARIOS?.split(',') ?? DEFAULT_SCENARIOS).includes(s.name));

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

interface Result {
  readonly verdict: Verdict;
  /** Invocations per build and variant, cold starts included. */
  readonly perArm: number;
  /** Whether the report's comparisons differ from what the sampler decided. */
  readonly replayMismatch: boolean;
}

/** The change a gate run is simulated at, applied to every variant's warm and cold latency. */
interface Truth {
  readonly ratio: number;
}

/**
 * One gate run of one function, sampled by the gate's own sampler (`Sampler` driven by
 * `measureSequentially`, at the default concurrency, cold calls in alternating order) and
 * analysed by the gate's own `analyzeFunction`: the function's verdict is the gate run's, and
 * the report's comparisons are checked against what the sampler decided look by look.
 */
async function gateRun(
  random: Random,
  truth: Truth,
  scenario: Scenario,
  variantCount: number,
  design: SamplingDesign,
): Promise<Result> {
  const plan = planOf(design);
  const variants: VariantPlan[] = Array.from({ length: variantCount }, (_, i) => ({
    id: `${512 * 2 ** i}MB-x86_64`,
    memoryMb: 512 * 2 ** i,
    architecture: 'x86_64',
    name: 'default',
    environment: {},
    snapStart: false,
  }));
  const perPair = 2 * (plan.pairsPerEnvironment + 1);
  const host = new Host(random, scenario, plan.maxEnvironmentPairs * perPair * variantCount);
  const environments = new Map<string, Environment>();
  const invoke = async (arm: ArmTarget): Promise<Invocation> => {
    let environment = environments.get(arm.qualifier);
    const cold = environment === undefined;
    if (!environment) {
      environment = new Environment(random, scenario);
      environments.set(arm.qualifier, environment);
    }
    const factor = environment.factor() * host.factor() * (arm.build === 'candidate' ? truth.ratio : 1);
    const durationMs = draw(random, 20 * factor, CV);
    const failed = random() < PLATFORM_ERROR_RATE;
    return {
      report: {
        requestId: 'r',
        status: failed ? 'error' : 'success',
        durationMs,
        billedDurationMs: Math.ceil(durationMs),
        maxMemoryUsedMb: 60,
        memorySizeMb: arm.variant.memoryMb,
        ...(cold ? { initDurationMs: draw(random, 380 * factor, 0.15) } : {}),
      },
      payload: Buffer.from('{}'),
      ...(failed ? { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out' } : {}),
    };
  };
  // A duet's two arms are one function and one version: one environment for both builds.
  const source = namedPairSource((_variant, build) => `f-${build}`, design === 'duet');
  const sampler = new Sampler({
    functionName: 'f',
    concurrency: SAMPLING_DEFAULTS.concurrency,
    random,
    exemplarAt: () => EXEMPLAR,
    pairsPerEnvironment: plan.pairsPerEnvironment,
    design,
    invoke,
  });
  const live = await measureSequentially({
    name: 'f',
    variants,
    plan,
    rules: RULES,
    sampler,
    source,
    progress: () => undefined,
  });
  const analysis = analyzeFunction({
    spec: SPEC,
    variants,
    samples: sampler.samples,
    warmUps: sampler.warmUps,
    plan,
    rules: RULES,
    region: 'us-east-1',
    traffic: { invocationsPerMonth: 1e6, coldStartRate: 0.01 },
    strategy: 'cost',
    balancedWeight: 0.5,
    stopped: live.stopped,
  });
  const replayed = JSON.stringify(analysis.variants.map((v) => v.comparisons));
  const decided = JSON.stringify(live.decisions.map((d) => d.comparisons));
  return {
    verdict: analysis.verdict,
    perArm: (sampler.samples.length + sampler.warmUps.length) / (2 * variantCount),
    replayMismatch: replayed !== decided,
  };
}

/** The rule before: cold bursts, then AB/BA pairs rotating over 3 environment pairs, looks every 20 pairs to 180. */
const legacyRule = (random: Random, ratio: number, scenario: Scenario): Result => {
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
    if (warm === 'regression' || coldRegression) return { verdict: 'fail', perArm, replayMismatch: false };
    if (warm === 'no-regression') return { verdict: 'pass', perArm, replayMismatch: false };
  }
  return { verdict: 'inconclusive', perArm: LEGACY.warmMax + LEGACY.cold, replayMismatch: false };
};

interface Row {
  scenario: string;
  rule: 'default' | 'legacy' | 'duet';
  variants: number;
  falseAlarmRate: number;
  passRate: number;
  detectionRate: number;
  passAtToleranceRate: number;
  failAtHalfToleranceRate: number;
  replayMismatchRate: number;
  medianInvocationsPerArm: { aa: number; regression: number };
}

type Run = (random: Random, ratio: number) => Promise<Result>;

async function measure(run: Run, rule: Row['rule'], scenario: Scenario, variants: number): Promise<Row> {
  const random = seededRandom(2026);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const runs = async (ratio: number): Promise<Result[]> => {
    const results: Result[] = [];
    for (let i = 0; i < RUNS; i++) results.push(await run(random, ratio));
    return results;
  };
  const aa = await runs(1);
  const halfTolerance = await runs(1 + TOLERANCE / 2);
  const atTolerance = await runs(1 + TOLERANCE);
  const regression = await runs(1.1);
  const rate = (results: Result[], verdict: Verdict): number =>
    results.filter((r) => r.verdict === verdict).length / results.length;
  const all = [...aa, ...halfTolerance, ...atTolerance, ...regression];
  return {
    scenario: scenario.name,
    rule,
    variants,
    falseAlarmRate: rate(aa, 'fail'),
    passRate: rate(aa, 'pass'),
    detectionRate: rate(regression, 'fail'),
    passAtToleranceRate: rate(atTolerance, 'pass'),
    failAtHalfToleranceRate: rate(halfTolerance, 'fail'),
    replayMismatchRate: all.filter((r) => r.replayMismatch).length / all.length,
    medianInvocationsPerArm: {
      aa: median(aa.map((r) => r.perArm)),
      regression: median(regression.map((r) => r.perArm)),
    },
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
console.log(
  `${RUNS} simulated gate runs per cell; warm CV ${CV * 100}%, ${OUTLIER_RATE * 100}% outliers x1.5-3, drift +10% and a ±5% wave, ${PLATFORM_ERROR_RATE * 100}% of calls fail alike in both builds; tolerance ${TOLERANCE * 100}%, 99% confidence, 95% pass-confidence; the change on every variant, warm and cold.`,
);
console.log(
  `default: ${PLAN.pairsPerEnvironment} pairs per environment pair, batches of ${PLAN.batch}, cap ${PLAN.maxEnvironmentPairs} environment pairs (${PLAN.maxEnvironmentPairs * (PLAN.pairsPerEnvironment + 1)} invocations per arm), concurrency ${SAMPLING_DEFAULTS.concurrency}.`,
);
if (DESIGNS.includes('duet'))
  console.log(
    `duet: both builds in each environment, each build's first call out of the figures, then ${PLAN.pairsPerEnvironment} pairs in alternating order, batches of ${planOf('duet').batch}, cap ${planOf('duet').maxEnvironmentPairs} environments; no cold comparison.`,
  );
if (process.env.STATS_LEGACY === '1')
  console.log(
    `legacy: ${LEGACY.warmMin}-${LEGACY.warmMax} warm pairs over ${LEGACY.replicas} environment pairs, ${LEGACY.cold} cold starts per build (the rule before; one variant).`,
  );
console.log('');
console.log(
  '| Scenario | Rule | Variants | A/A fails | A/A passes | +2.5% fails | +5% passes | +10% fails | replay differs | median invocations per arm (A/A, +10%) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
const rows: Row[] = [];
for (const scenario of SCENARIOS) {
  const cells: [Run, Row['rule'], number][] = DESIGNS.flatMap((design) =>
    VARIANT_COUNTS.map((variants): [Run, Row['rule'], number] => [
      (random, ratio) => gateRun(random, { ratio }, scenario, variants, design),
      design === 'duet' ? 'duet' : 'default',
      variants,
    ]),
  );
  if (process.env.STATS_LEGACY === '1')
    cells.push([async (random, ratio) => legacyRule(random, ratio, scenario), 'legacy', 1]);
  for (const [run, rule, variants] of cells) {
    const row = await measure(run, rule, scenario, variants);
    rows.push(row);
    console.log(
      `| ${scenario.name} | ${rule} | ${variants} | ${pct(row.falseAlarmRate)} | ${pct(row.passRate)} | ${pct(row.failAtHalfToleranceRate)} | ${pct(row.passAtToleranceRate)} | ${pct(row.detectionRate)} | ${pct(row.replayMismatchRate)} | ${Number(row.medianInvocationsPerArm.aa.toFixed(1))}, ${Number(row.medianInvocationsPerArm.regression.toFixed(1))} |`,
    );
  }
}
console.log('');
console.log(
  'Targets per gate run at 4% offsets, 5% tolerance, 3 variants: A/A fails <= 1%, +2.5% fails <= 5%, +5% passes <= 5%, +10% fails >= 95%, A/A passes >= 90%, median <= 160 invocations per arm.',
);
if (JSON_FILE) {
  writeFileSync(JSON_FILE, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`Wrote ${rows.length} rows to ${JSON_FILE}.`);
}
