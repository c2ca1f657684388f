import type { Frame, StackSamples } from './samples.js';
import type { ProfileChange } from '../result/profile.js';

/** What one build's profiled calls in one environment spent in each function. */
interface FunctionTimes {
  readonly frame: Frame;
  /** Milliseconds with the function on top of the stack. */
  readonly selfMs: number;
  /** Milliseconds with the function anywhere on the stack (once per sample, recursion or not). */
  readonly totalMs: number;
}

/** One environment's profiles of one build: its measured calls, summed per function. */
export interface EnvironmentProfile {
  readonly calls: number;
  readonly functions: ReadonlyMap<string, FunctionTimes>;
}

/**
 * Functions are matched across builds by name and file: a line moves whenever code above it
 * changes. The line shown is the candidate's, or the baseline's for a function that is gone.
 */
const keyOf = (frame: Frame): string => `${frame.name}\0${frame.file}`;

/**
 * Where samples with no code of the package on their stack go: the runtime client between calls
 * of the handler (reading the event, writing the response), Node.js's or Python's own work, the
 * garbage collector. Both builds have the same runtime, so a change here is still the function's
 * doing (a larger response, more garbage), but no function of the package to name.
 */
const OUTSIDE: Frame = { name: '(runtime, outside the package)', file: '', line: 0, inPackage: false };

/**
 * Sums one environment's profiles per function; they cover `calls` calls of the handler. A
 * function's self time is the time it was on top of the stack, together with the time of code
 * outside the package that it called (Node.js internals, the standard library, native code): a
 * hash computed in C++ is time of the package's function that asked for it, which is where a
 * reviewer can change something. A sample with no package code on its stack goes to OUTSIDE.
 */
export function environmentProfile(profiles: readonly StackSamples[], calls: number): EnvironmentProfile {
  const functions = new Map<string, { frame: Frame; selfMs: number; totalMs: number }>();
  const add = (frame: Frame, selfMs: number, totalMs: number): void => {
    const key = keyOf(frame);
    const times = functions.get(key) ?? { frame, selfMs: 0, totalMs: 0 };
    times.selfMs += selfMs;
    times.totalMs += totalMs;
    functions.set(key, times);
  };
  for (const profile of profiles) {
    profile.stacks.forEach((stack, i) => {
      const weight = profile.weightsMs[i]!;
      const seen = new Set<string>();
      // The innermost frame of the package's own code (under its task root) owns the sample.
      let owner = stack.length - 1;
      while (owner >= 0 && !profile.frames[stack[owner]!]!.inPackage) owner--;
      if (owner < 0) {
        add(OUTSIDE, weight, weight);
        return;
      }
      stack.forEach((frameIndex, depth) => {
        const frame = profile.frames[frameIndex]!;
        const key = keyOf(frame);
        const first = !seen.has(key);
        seen.add(key);
        if (depth === owner || first) add(frame, depth === owner ? weight : 0, first ? weight : 0);
      });
    });
  }
  return { calls: profiles.length ? calls : 0, functions };
}

export interface ChangeOptions {
  /** The chance that an A/A run shows any change at all (the family-wise error rate). */
  readonly familyAlpha: number;
  /** A function with less than this many milliseconds in all profiles together is not tested. */
  readonly minimumMs: number;
  /** A change smaller than this per call is not shown, however sure: too small to act on. */
  readonly smallestMsPerCall: number;
}

const DEFAULT_CHANGE_OPTIONS: ChangeOptions = { familyAlpha: 0.05, minimumMs: 1, smallestMsPerCall: 0.02 };

/**
 * The functions whose time per call changed beyond sampling noise, largest change first. Each
 * environment pair (one environment of each build, profiled side by side) gives one difference
 * per function; a paired t interval over the pairs, at a level Bonferroni-corrected for every
 * function tested, must exclude zero. The pairs carry the profiles' sampling noise and the
 * environments' own differences (JIT decisions, GC timing) alike.
 */
export function profileChanges(
  pairs: readonly { readonly baseline: EnvironmentProfile; readonly candidate: EnvironmentProfile }[],
  options: ChangeOptions = DEFAULT_CHANGE_OPTIONS,
): ProfileChange[] {
  const usable = pairs.filter((pair) => pair.baseline.calls > 0 && pair.candidate.calls > 0);
  if (usable.length < 3) return [];
  const keys = new Map<string, { baseline?: Frame; candidate?: Frame; ms: number }>();
  for (const pair of usable)
    for (const build of ['baseline', 'candidate'] as const)
      for (const [key, times] of pair[build].functions) {
        const entry = keys.get(key) ?? { ms: 0 };
        entry[build] ??= times.frame;
        entry.ms += times.selfMs;
        keys.set(key, entry);
      }
  const tested = [...keys].filter(([, entry]) => entry.ms >= options.minimumMs);
  if (!tested.length) return [];
  const n = usable.length;
  const t = studentTQuantile(1 - options.familyAlpha / (2 * tested.length), n - 1);
  const perCall = (profile: EnvironmentProfile, key: string, field: 'selfMs' | 'totalMs'): number =>
    (profile.functions.get(key)?.[field] ?? 0) / profile.calls;
  const average = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;
  const changes: ProfileChange[] = [];
  for (const [key, entry] of tested) {
    const baseline = usable.map((pair) => perCall(pair.baseline, key, 'selfMs'));
    const candidate = usable.map((pair) => perCall(pair.candidate, key, 'selfMs'));
    const differences = candidate.map((c, i) => c - baseline[i]!);
    const delta = average(differences);
    const sd = Math.sqrt(differences.reduce((sum, d) => sum + (d - delta) ** 2, 0) / (n - 1));
    const half = (t * sd) / Math.sqrt(n);
    const interval: [number, number] = [delta - half, delta + half];
    if (!(interval[0] > 0 || interval[1] < 0) || Math.abs(delta) < options.smallestMsPerCall) continue;
    const frame = entry.candidate ?? entry.baseline!;
    changes.push({
      function: frame.name,
      file: frame.file,
      line: frame.line,
      baselineMsPerCall: average(baseline),
      candidateMsPerCall: average(candidate),
      deltaMsPerCall: delta,
      interval,
      status: entry.baseline === undefined ? 'new' : entry.candidate === undefined ? 'gone' : 'changed',
      baselineTotalMsPerCall: average(usable.map((pair) => perCall(pair.baseline, key, 'totalMs'))),
      candidateTotalMsPerCall: average(usable.map((pair) => perCall(pair.candidate, key, 'totalMs'))),
    });
  }
  return changes.sort((a, b) => b.deltaMsPerCall - a.deltaMsPerCall);
}

/** ln Γ(x), Lanczos (g = 7, n = 9). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0]!;
  for (let i = 1; i < 9; i++) sum += c[i]! / (z + i);
  const w = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(w) - w + Math.log(sum);
}

/** The continued fraction of the regularized incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-14) break;
  }
  return h;
}

/** I_x(a, b), the regularized incomplete beta function. */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (bisection on the CDF). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError(`studentTQuantile(${p}, ${df})`);
  let low = -1e6;
  let high = 1e6;
  for (let i = 0; i < 200 && high - low > 1e-10 * Math.max(1, Math.abs(high)); i++) {
    const mid = (low + high) / 2;
    if (studentTCdf(mid, df) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}
