// Simulation of the gate's statistics: log-normal durations with realistic noise, outliers,
// drift, (second scenario) bursts of host load and (third) a lasting offset per execution
// environment, sampled and decided the way the gate samples and decides. Prints the A/A false-alarm rate, the detection rate of a 10% regression at 10% CV,
// and the median invocations per arm to a verdict, beside simpler rules. Targets: <= 1% and >= 95%.
import { decideLook, lookSchedule, type MetricSamples, type Outcome } from '../src/analysis/comparison.js';
import { seededRandom } from '../src/local-lambda/faults.js';

const RUNS = Number(process.env.STATS_RUNS ?? 2000);
const CV = 0.1;
const OUTLIER_RATE = 0.02;
const TOLERANCE = 0.05;
const RULES = { alpha: 0.01, beta: 0.05, tolerance: TOLERANCE };
const WARM_MIN = 20;
const WARM_MAX = Number(process.env.STATS_WARM_MAX ?? 180);
const COLD = 5;
const NAIVE_N = 10;
const ENVIRONMENT_SD = Number(process.env.STATS_ENVIRONMENT_SD ?? 0.04);

type Random = () => number;

function gaussian(random: Random): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** The host: a slow drift plus a wave, and optionally bursts of load (AR(1) in log space). */
class Host {
  private load = 0;
  constructor(
    private readonly random: Random,
    private readonly bursty: boolean,
  ) {}

  /** The factor the host applies to a duration at `step` of `total`. */
  factor(step: number, total: number): number {
    if (this.bursty) this.load = 0.9 * this.load + Math.sqrt(1 - 0.81) * 0.2 * gaussian(this.random);
    return (1 + 0.1 * (step / total) + 0.05 * Math.sin((step / total) * 6 * Math.PI)) * Math.exp(this.load);
  }
}

/** One duration: log-normal around `median`, with occasional slow outliers. */
function draw(random: Random, median: number, cv: number): number {
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  const value = median * Math.exp(sigma * gaussian(random));
  return random() < OUTLIER_RATE ? value * (1.5 + 1.5 * random()) : value;
}

interface Result {
  readonly verdict: 'fail' | 'pass' | 'inconclusive';
  readonly perArm: number;
}

interface Scenario {
  readonly bursty: boolean;
  /** SD (log scale) of the lasting factor each execution environment applies to its durations. */
  readonly environmentSd: number;
}

type Rule = (random: Random, ratio: number, scenario: Scenario) => Result;

/**
 * The gate: cold bursts, then randomised AB/BA pairs, looks every WARM_MIN pairs up to the cap.
 * Pair k runs on replica k mod `replicas` of each build, each replica its own environment; with
 * two or more, a decision must hold on every environment pair.
 */
function gateRule(paired: boolean, replicas = 1): Rule {
  return (random, ratio, { bursty, environmentSd }) => {
    const host = new Host(random, bursty);
    const environment = [0, 1].map(() => Array.from({ length: replicas }, () => Math.exp(environmentSd * gaussian(random))));
    const coldBaseline = Array.from({ length: COLD }, () => draw(random, 400, 0.15));
    const coldCandidate = Array.from({ length: COLD }, () => draw(random, 400 * ratio, 0.15));
    const baseline: number[] = [];
    const candidate: number[] = [];
    const logRatios: number[] = [];
    const blocks: number[][] = Array.from({ length: replicas }, () => []);
    const decided = new Map<string, Outcome>();
    let previous = 0;
    let step = 0;
    for (const n of lookSchedule(WARM_MIN, WARM_MAX, WARM_MIN)) {
      while (baseline.length < n) {
        const pair: number[] = [];
        const replica = logRatios.length % replicas;
        for (const arm of random() < 0.5 ? [0, 1] : [1, 0]) {
          const value = draw(random, 20 * (arm === 1 ? ratio : 1) * environment[arm]![replica]! * host.factor(step++, WARM_MAX * 2), CV);
          (arm === 0 ? baseline : candidate).push(value);
          pair[arm] = value;
        }
        logRatios.push(Math.log(pair[1]!) - Math.log(pair[0]!));
        blocks[replica]!.push(logRatios.at(-1)!);
      }
      const metrics: MetricSamples[] = [
        { metric: 'warm', variant: 'v', baseline, candidate, sequential: true, ...(paired ? { pairedLogRatios: logRatios, blocks } : {}) },
        { metric: 'cold', variant: 'v', baseline: coldBaseline, candidate: coldCandidate, sequential: false },
      ];
      const outcomes = decideLook(metrics, RULES, { fraction: n / WARM_MAX, previousFraction: previous / WARM_MAX, final: n === WARM_MAX }, decided);
      previous = n;
      for (const o of outcomes) if (o.outcome !== 'inconclusive') decided.set(`${o.variant}/${o.metric}`, o.outcome);
      if (outcomes.some((o) => o.outcome === 'regression')) return { verdict: 'fail', perArm: n + COLD };
      if (outcomes.find((o) => o.metric === 'warm')!.outcome === 'no-regression') return { verdict: 'pass', perArm: n + COLD };
    }
    return { verdict: 'inconclusive', perArm: WARM_MAX + COLD };
  };
}

/** The naive rule: n samples per build, regression when the ratio of means exceeds the tolerance. */
function naiveRule(interleaved: boolean): Rule {
  return (random, ratio, { bursty }) => {
    const host = new Host(random, bursty);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const baseline: number[] = [];
    const candidate: number[] = [];
    // Measured one build after the other, the candidate meets the host later in its drift.
    for (let step = 0; step < NAIVE_N * 2; step++) {
      const isCandidate = interleaved ? step % 2 === 1 : step >= NAIVE_N;
      const value = draw(random, 20 * (isCandidate ? ratio : 1) * host.factor(step, NAIVE_N * 2), CV);
      (isCandidate ? candidate : baseline).push(value);
    }
    return { verdict: mean(candidate) / mean(baseline) > 1 + TOLERANCE ? 'fail' : 'pass', perArm: NAIVE_N };
  };
}

function summarise(label: string, rule: Rule, scenario: Scenario): void {
  const random = seededRandom(2026);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const aa = Array.from({ length: RUNS }, () => rule(random, 1, scenario));
  const ab = Array.from({ length: RUNS }, () => rule(random, 1.1, scenario));
  const rate = (results: Result[], verdict: Result['verdict']): string => `${((100 * results.filter((r) => r.verdict === verdict).length) / results.length).toFixed(2)}%`;
  console.log(
    `  ${label.padEnd(52)} A/A false alarms ${rate(aa, 'fail').padStart(6)} (pass ${rate(aa, 'pass')}, inconclusive ${rate(aa, 'inconclusive')}); ` +
      `10% regression caught ${rate(ab, 'fail').padStart(7)} (missed as pass ${rate(ab, 'pass')}); ` +
      `median invocations per arm: A/A ${median(aa.map((r) => r.perArm))}, regression ${median(ab.map((r) => r.perArm))}`,
  );
}

console.log(`${RUNS} simulated runs per scenario and rule; warm CV ${CV * 100}%, ${OUTLIER_RATE * 100}% outliers x1.5-3, drift +10% trend and ±5% wave; tolerance ${TOLERANCE * 100}%`);
const scenarios: { title: string; scenario: Scenario; naive: boolean }[] = [
  { title: 'independent noise:', scenario: { bursty: false, environmentSd: 0 }, naive: true },
  { title: 'bursts of host load (AR(1) in log space, phi 0.9, sd 0.2) on top:', scenario: { bursty: true, environmentSd: 0 }, naive: true },
  { title: `each execution environment ${ENVIRONMENT_SD * 100}% (sd) faster or slower for its whole life, on independent noise:`, scenario: { bursty: false, environmentSd: ENVIRONMENT_SD }, naive: false },
];
for (const { title, scenario, naive } of scenarios) {
  console.log(title);
  summarise(`gate: paired signed-rank, ${WARM_MIN}-${WARM_MAX} pairs, +${COLD} cold, 1 environment pair`, gateRule(true, 1), scenario);
  summarise(`gate, warm pairs rotating over 2 environment pairs`, gateRule(true, 2), scenario);
  summarise(`gate, warm pairs rotating over 3 environment pairs (default)`, gateRule(true, 3), scenario);
  if (!naive) continue;
  summarise(`unpaired Mann-Whitney, same sampling`, gateRule(false), scenario);
  summarise(`naive n=${NAIVE_N}, mean ratio > ${1 + TOLERANCE}, one build then other`, naiveRule(false), scenario);
  summarise(`naive n=${NAIVE_N}, mean ratio > ${1 + TOLERANCE}, interleaved`, naiveRule(true), scenario);
}
console.log('Targets: A/A false alarms <= 1%, 10% regression caught >= 95%.');
