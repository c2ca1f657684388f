import { MB_PER_VCPU, PERIOD_US } from './cpu-throttle.js';

/**
 * The model clock: an invocation's Duration as Lambda would take it for what the environment
 * did, computed from the kernel's accounting instead of read off the host's wall clock. On a
 * shared host the wall clock also measures every wait for a CPU that another process held, and
 * the kernel's quota enforcement at scheduler ticks; the CPU time the kernel accounts to each
 * thread does not (FACTS.md, "Measuring on a shared host").
 */

/** What the kernel accounted to some threads over a span, in nanoseconds. */
export interface ThreadTimes {
  /** Time on a CPU. */
  readonly cpuNs: number;
  /** Time runnable but waiting on a run queue (for the host's other processes, or a quota). */
  readonly delayNs: number;
}

/** What an environment did during one invocation (or its INIT). */
export interface Activity {
  /** The runtime's main thread, which receives the event and asks for the next one. */
  readonly main: ThreadTimes;
  /** Every other thread of the environment: helper threads, workers, child processes. */
  readonly others: ThreadTimes;
  /**
   * Time the main thread spent waiting for its own reasons (timers, I/O, sockets): its wall time
   * less its CPU and run-queue time.
   */
  readonly mainWaitedNs: number;
  /**
   * How many times the main thread went to sleep in those waits (0 when unknown). Its CPU work
   * then ran in `mainSleeps + 1` bursts with the waits between them.
   */
  readonly mainSleeps?: number;
}

export interface CpuModel {
  readonly memoryMb: number;
  /** The environment's lasting speed factor: its CPU does 1/factor of the accounted time. */
  readonly speedFactor: number;
  /** INIT of an on-demand environment: boosted, not held to the memory's share. */
  readonly boosted: boolean;
}

const PERIOD_NS = PERIOD_US * 1000;
const MAX_BURSTS = 5000;

/** The vCPUs a Lambda environment sees: 2 up to 3,008 MB, one more per 1,769 MB after, at most 6. */
export function lambdaVcpus(memoryMb: number): number {
  return Math.max(2, Math.min(6, Math.ceil(memoryMb / MB_PER_VCPU)));
}

/**
 * How long `workNs` of CPU takes under Lambda's quota: `share` vCPUs' worth of CPU time in each
 * 20 ms period, the first period starting with the invocation and a full quota, and at most
 * `parallelism` threads on a CPU at once.
 */
export function quotaTimeNs(workNs: number, share: number, parallelism: number): number {
  if (workNs <= 0) return 0;
  if (share >= parallelism) return workNs / parallelism;
  const perPeriod = share * PERIOD_NS;
  const fullPeriods = Math.ceil(workNs / perPeriod) - 1;
  return fullPeriods * PERIOD_NS + (workNs - fullPeriods * perPeriod) / parallelism;
}

/**
 * How long bursts of CPU work with waits between them take under Lambda's quota: `share` vCPUs'
 * worth of CPU time in each 20 ms period, counted from the start of the invocation, a period's
 * unused quota lost at its end, and at most `parallelism` threads on a CPU at once. A wait lets
 * the clock run on, so the burst after it may start in a new period with a full quota. One burst
 * and no wait is `quotaTimeNs`.
 */
export function timelineNs(
  burstsNs: readonly number[],
  waitsNs: readonly number[],
  share: number,
  parallelism: number,
): number {
  const quota = share * PERIOD_NS;
  let at = 0;
  let period = 0;
  let left = quota;
  burstsNs.forEach((burst, index) => {
    let work = burst;
    while (work > 0) {
      const current = Math.floor(at / PERIOD_NS);
      if (current !== period) [period, left] = [current, quota];
      const periodEnd = (period + 1) * PERIOD_NS;
      const ran = Math.min(work, left, (periodEnd - at) * parallelism);
      at += ran / parallelism;
      work -= ran;
      left -= ran;
      // Out of quota: nothing runs until the next period. Float error must not stall the loop.
      if (work > 0 && left <= 1e-6) at = periodEnd;
      else if (work > 0 && at >= periodEnd - 1e-6) at = periodEnd;
    }
    at += waitsNs[index] ?? 0;
  });
  return at;
}

/**
 * How much of the other threads' run-queue delay lengthened the main thread's wait, from 0 to 1.
 * Where the main thread awaited them (a worker, a child process), their wait for a CPU that the
 * host gave to another process held it up too, and is not Duration. Where it waited for a timer
 * or I/O, helper threads (the JIT, the garbage collector) that ran meanwhile held nothing up, and
 * taking their delay off shortened a real wait: 7 ms of CPU around a 100 ms timer at 512 MB read
 * 96.8 ms in a whole test run beside two CPU hogs, where it reads about 108 ms when the helpers
 * wait for no CPU (their delay was 3-6 ms in calls that read 103.6-107.3 ms beside the hogs). Which it
 * was is not known, only how much of the wait they were busy: nearly all of it for a worker
 * awaited throughout, a small part for helpers beside a long timer. So none of their delay is
 * taken off below a quarter of the wait, all of it above three quarters, in proportion between.
 */
function awaitedShare(othersBusyNs: number, mainWaitedNs: number): number {
  if (mainWaitedNs <= 0) return 1;
  return Math.min(1, Math.max(0, (othersBusyNs / mainWaitedNs - 0.25) / 0.5));
}

/**
 * The modelled duration in milliseconds: the environment's CPU work through Lambda's CPU model,
 * with the time it waited for its own reasons.
 *
 * Threads other than the main one are counted as busy while the main thread waited (a worker
 * or a child process it awaits) unless their busy time exceeds its waits: only that excess must
 * have run beside the main thread's own work, and it is the parallelism that more than one vCPU
 * (above 1,769 MB) can serve. Their run-queue delay (the host's, like the main thread's) is
 * taken off the main thread's wait only as far as that wait was theirs: see `awaitedShare`.
 * The order of work and waits is not known, only how often the main thread went to sleep: the
 * work is taken as that many bursts plus one, of equal size, with the waits, equal too, between
 * them. Where the runtime did not say (OS-only runtimes), the waits come after all the work,
 * which below 1,769 MB may charge at most one period more per wait.
 */
export function modelDurationMs(activity: Activity, model: CpuModel): number {
  const { main, others, mainWaitedNs, mainSleeps = 0 } = activity;
  const othersBusy = others.cpuNs + others.delayNs;
  const waitedNs = Math.max(0, mainWaitedNs - others.cpuNs - others.delayNs * awaitedShare(othersBusy, mainWaitedNs));
  const besideMainNs =
    othersBusy > 0 ? Math.min(main.cpuNs, Math.max(0, othersBusy - mainWaitedNs) * (others.cpuNs / othersBusy)) : 0;
  const workNs = (main.cpuNs + others.cpuNs) / model.speedFactor;
  const vcpus = lambdaVcpus(model.memoryMb);
  const parallelism =
    workNs > 0 ? Math.min(vcpus, (main.cpuNs + others.cpuNs) / (main.cpuNs + others.cpuNs - besideMainNs)) : 1;
  const share = model.boosted ? vcpus : model.memoryMb / MB_PER_VCPU;
  // Past a few thousand the bursts are as good as continuous; the count comes from the function's
  // own process, so it is bounded here.
  const waits = Math.min(MAX_BURSTS, Math.floor(mainSleeps));
  if (waitedNs <= 0 || waits < 1) return (quotaTimeNs(workNs, share, parallelism) + waitedNs) / 1e6;
  const bursts = Array.from({ length: waits + 1 }, () => workNs / (waits + 1));
  return (
    timelineNs(
      bursts,
      Array.from({ length: waits }, () => waitedNs / waits),
      share,
      parallelism,
    ) / 1e6
  );
}
