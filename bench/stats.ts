// Simulation of the gate's statistics: log-normal durations with realistic noise, outliers and
// drift, sampled and decided exactly as the gate samples and decides. Prints the A/A false-alarm
// rate, the detection rate of a 10% regression at 10% CV, and the median invocations per arm to
// a verdict, beside a naive fixed-n ratio-of-means rule. Targets: <= 1% and >= 95%.
import { decideLook, lookSchedule, type MetricSamples, type Outcome } from '../src/analysis/comparison.js';
import { seededRandom } from '../src/local-lambda/faults.js';

const RUNS = Number(process.env.STATS_RUNS ?? 2000);
const CV = 0.1;
const OUTLIER_RATE = 0.02;
const TOLERANCE = 0.05;
const RULES = { alpha: 0.01, beta: 0.05, tolerance: TOLERANCE };
const WARM_MIN = 20;
const WARM_MAX = 120;
const COLD = 5;
const NAIVE_N = 10;

type Random = () => number;

function gaussian(random: Random): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** One duration: log-normal around `median`, with occasional slow outliers. */
function draw(random: Random, median: number, cv: number): number {
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  const value = median * Math.exp(sigma * gaussian(random));
  return random() < OUTLIER_RATE ? value * (1.5 + 1.5 * random()) : value;
}

/** Host drift over the run: a slow trend plus a wave, the same for both arms at the same time. */
const drift = (step: number, total: number): number => 1 + 0.1 * (step / total) + 0.05 * Math.sin((step / total) * 6 * Math.PI);

interface Result {
  readonly verdict: 'fail' | 'pass' | 'inconclusive';
  readonly perArm: number;
}

function gateRun(random: Random, ratio: number): Result {
  const coldBaseline = Array.from({ length: COLD }, () => draw(random, 400, 0.15));
  const coldCandidate = Array.from({ length: COLD }, () => draw(random, 400 * ratio, 0.15));
  const baseline: number[] = [];
  const candidate: number[] = [];
  const looks = lookSchedule(WARM_MIN, WARM_MAX, WARM_MIN);
  const decided = new Map<string, Outcome>();
  let previous = 0;
  let step = 0;
  for (const n of looks) {
    // Randomised ABBA blocks: each pair of one baseline and one candidate sample shares a moment.
    while (baseline.length < n) {
      const order = random() < 0.5 ? [0, 1] : [1, 0];
      for (const arm of order) {
        const factor = drift(step++, WARM_MAX * 2);
        if (arm === 0) baseline.push(draw(random, 20 * factor, CV));
        else candidate.push(draw(random, 20 * ratio * factor, CV));
      }
    }
    const metrics: MetricSamples[] = [
      { metric: 'warm', variant: 'v', baseline, candidate, sequential: true },
      { metric: 'cold', variant: 'v', baseline: coldBaseline, candidate: coldCandidate, sequential: false },
    ];
    const final = n === WARM_MAX;
    const outcomes = decideLook(metrics, RULES, { fraction: n / WARM_MAX, previousFraction: previous / WARM_MAX, final }, decided);
    previous = n;
    for (const o of outcomes) if (o.outcome !== 'inconclusive') decided.set(`${o.variant}/${o.metric}`, o.outcome);
    if (outcomes.some((o) => o.outcome === 'regression')) return { verdict: 'fail', perArm: n + COLD };
    const warm = outcomes.find((o) => o.metric === 'warm')!;
    if (warm.outcome === 'no-regression') return { verdict: 'pass', perArm: n + COLD };
  }
  return { verdict: 'inconclusive', perArm: WARM_MAX + COLD };
}

/** The naive rule: n samples per build, regression when the ratio of means exceeds the tolerance. */
function naiveRun(interleaved: boolean): (random: Random, ratio: number) => Result {
  return (random, ratio) => {
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const baseline: number[] = [];
    const candidate: number[] = [];
    for (let step = 0; baseline.length < NAIVE_N; step++) {
      // Measured one build after the other, the candidate meets the host later in its drift.
      const candidateStep = interleaved ? step : step + NAIVE_N;
      baseline.push(draw(random, 20 * drift(step, NAIVE_N * 2), CV));
      candidate.push(draw(random, 20 * ratio * drift(candidateStep, NAIVE_N * 2), CV));
    }
    return { verdict: mean(candidate) / mean(baseline) > 1 + TOLERANCE ? 'fail' : 'pass', perArm: NAIVE_N };
  };
}

function summarise(label: string, run: (random: Random, ratio: number) => Result): void {
  const random = seededRandom(2026);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const aa = Array.from({ length: RUNS }, () => run(random, 1));
  const ab = Array.from({ length: RUNS }, () => run(random, 1.1));
  const rate = (results: Result[], verdict: Result['verdict']): string => `${((100 * results.filter((r) => r.verdict === verdict).length) / results.length).toFixed(2)}%`;
  console.log(
    `${label.padEnd(56)} A/A false alarms ${rate(aa, 'fail').padStart(7)} (pass ${rate(aa, 'pass')}, inconclusive ${rate(aa, 'inconclusive')}); ` +
      `10% regression caught ${rate(ab, 'fail').padStart(7)} (missed as pass ${rate(ab, 'pass')}); ` +
      `median invocations per arm: A/A ${median(aa.map((r) => r.perArm))}, regression ${median(ab.map((r) => r.perArm))}`,
  );
}

console.log(`${RUNS} simulated runs per scenario; warm CV ${CV * 100}%, ${OUTLIER_RATE * 100}% outliers x1.5-3, drift +10% trend and ±5% wave; tolerance ${TOLERANCE * 100}%`);
summarise(`gate (sequential HL/Mann-Whitney, ${WARM_MIN}-${WARM_MAX}/arm, +${COLD} cold)`, gateRun);
summarise(`naive n=${NAIVE_N}, mean ratio > ${1 + TOLERANCE}, one build then other`, naiveRun(false));
summarise(`naive n=${NAIVE_N}, mean ratio > ${1 + TOLERANCE}, interleaved`, naiveRun(true));
console.log('Targets: A/A false alarms <= 1%, 10% regression caught >= 95%.');
