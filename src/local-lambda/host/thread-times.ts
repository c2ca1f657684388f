import { readdirSync, readFileSync } from 'node:fs';
import type { Activity, ThreadTimes } from './model-clock.js';
import { processTree } from './process-tree.js';

/**
 * The kernel's per-thread accounting of an environment's processes at one moment: CPU time and
 * run-queue delay in nanoseconds from `/proc/<pid>/task/<tid>/schedstat`, keyed by thread id.
 */
export type ThreadSnapshot = ReadonlyMap<number, ThreadTimes>;

const ZERO: ThreadTimes = { cpuNs: 0, delayNs: 0 };

function schedstat(path: string): ThreadTimes | undefined {
  try {
    const [cpu, delay] = readFileSync(path, 'latin1').split(' ');
    const cpuNs = Number(cpu);
    const delayNs = Number(delay);
    return Number.isFinite(cpuNs) && Number.isFinite(delayNs) ? { cpuNs, delayNs } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why this host cannot run the model clock, or undefined when it can: it needs Linux's per-thread
 * schedstat, which counts in nanoseconds (getrusage counts in scheduler ticks).
 */
export function threadAccountingUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `this host runs ${process.platform}, not Linux`;
  const own = schedstat('/proc/thread-self/schedstat');
  if (!own) return 'this kernel does not account CPU time per thread (/proc/<pid>/task/<tid>/schedstat)';
  // A kernel built without scheduler statistics prints zeros for every thread.
  if (own.cpuNs === 0 && own.delayNs === 0 && process.cpuUsage().user > 0)
    return 'this kernel reports no per-thread CPU time (schedstat reads 0)';
  return undefined;
}

function list(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** Every thread of the process tree under `root`, with what the kernel accounted to it so far. */
export function snapshotThreads(root: number): ThreadSnapshot {
  const threads = new Map<number, ThreadTimes>();
  for (const pid of processTree(root)) {
    for (const tid of list(`/proc/${pid}/task`)) {
      const times = schedstat(`/proc/${pid}/task/${tid}/schedstat`);
      if (times) threads.set(Number(tid), times);
    }
  }
  return threads;
}

/**
 * Whether any thread under `root` is on a CPU or waiting for one. A running thread's schedstat
 * lags until the kernel next updates it (a scheduler tick, 4 ms at HZ=250); a sleeping or
 * frozen thread's is exact, so the end of an invocation is read once every thread sleeps.
 */
export function anyThreadRunnable(root: number): boolean {
  for (const pid of processTree(root)) {
    for (const tid of list(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
        if (stat.charAt(stat.lastIndexOf(')') + 2) === 'R') return true;
      } catch {
        // The thread ended meanwhile.
      }
    }
  }
  return false;
}

const minus = (a: ThreadTimes, b: ThreadTimes): ThreadTimes => ({
  cpuNs: Math.max(0, a.cpuNs - b.cpuNs),
  delayNs: Math.max(0, a.delayNs - b.delayNs),
});
const plus = (a: ThreadTimes, b: ThreadTimes): ThreadTimes => ({
  cpuNs: a.cpuNs + b.cpuNs,
  delayNs: a.delayNs + b.delayNs,
});

/**
 * What the threads did between two snapshots, split into the main thread (`mainTid`) and the
 * rest; a thread born in between counts from zero, and one that ended in between is lost.
 * `mainWaitedNs` is the main thread's own waiting, when the runtime reported it; otherwise it is
 * taken from the service's wall clock `wallNs`, which also holds the service's own delays, and
 * then its sleeps are unknown (0: the waits are taken to come after the CPU work).
 */
export function activityBetween(
  start: ThreadSnapshot,
  end: ThreadSnapshot,
  mainTid: number,
  waited: { reportedNs?: number; sleeps?: number; wallNs: number },
): Activity {
  let main = ZERO;
  let others = ZERO;
  for (const [tid, times] of end) {
    const spent = minus(times, start.get(tid) ?? ZERO);
    if (tid === mainTid) main = spent;
    else others = plus(others, spent);
  }
  const mainWaitedNs = waited.reportedNs ?? Math.max(0, waited.wallNs - main.cpuNs - main.delayNs);
  return { main, others, mainWaitedNs, mainSleeps: waited.reportedNs === undefined ? 0 : (waited.sleeps ?? 0) };
}

export const CLOCKS = ['model', 'wall'] as const;

/**
 * What an invocation's Duration is: `model`, what Lambda would take for the CPU time the kernel
 * accounted to the environment plus its own waits (model-clock.ts); `wall`, the host's clock.
 */
export type ClockKind = (typeof CLOCKS)[number];

/** Which clock the service's Durations come from, and the sentence that says so. */
export interface ClockStatus {
  readonly kind: ClockKind;
  /** Set when the model clock was asked for and this host cannot account for it. */
  readonly fallbackReason?: string;
  readonly statement: string;
}

/** The clock asked for, or the wall clock with the reason where this host cannot run the model. */
export function chooseClock(requested: ClockKind): ClockStatus {
  if (requested === 'wall')
    return {
      kind: 'wall',
      statement:
        "Durations are the host's wall clock (asked for): they include every wait for a CPU that the host gave to another process, so they vary with its load.",
    };
  const reason = threadAccountingUnavailable();
  if (reason)
    return {
      kind: 'wall',
      fallbackReason: reason,
      statement: `Durations are the host's wall clock, NOT the model clock (${reason}): they include every wait for a CPU that the host gave to another process, so they vary with its load.`,
    };
  return {
    kind: 'model',
    statement:
      "Durations come from the model clock: the CPU time the kernel accounted to the environment's threads, through Lambda's CPU model, plus the environment's own waits; time spent waiting for a CPU that the host gave to another process is not counted. The host's CPU is not Lambda's: milliseconds differ by the two CPUs' speed ratio, ratios between builds hold.",
  };
}
