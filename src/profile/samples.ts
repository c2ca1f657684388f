/**
 * The CPU profiles the local service's runtime clients post (profile-store.ts), read into one
 * form: stacks of frames with the time each sample stands for. A profile is what a function's
 * process sent, so it is read as hostile input: bounded, checked field by field, and a profile
 * that does not parse is left out, never a crash.
 */

/** A function as profiles name it: its name, and its file relative to the package. */
export interface Frame {
  readonly name: string;
  readonly file: string;
  /** 1-based line of the function's definition; 0 when unknown. */
  readonly line: number;
  /** Whether its file is in the package (under the task root): code the reviewer can change. */
  readonly inPackage: boolean;
}

export interface StackSamples {
  /** `node` (V8's .cpuprofile) or `python` (speedscope's sampled format). */
  readonly kind: 'node' | 'python';
  readonly frames: readonly Frame[];
  /** Each sample's stack, outermost frame first, as indexes into `frames`. */
  readonly stacks: readonly (readonly number[])[];
  /** The milliseconds each sample stands for. */
  readonly weightsMs: readonly number[];
  /** The profile as posted, for the profile files. */
  readonly raw: unknown;
}

const MAX_NODES = 200_000;
const MAX_SAMPLES = 1_000_000;
const MAX_DEPTH = 1_024;
/** Frames in all the distinct stacks of one profile together: its stacks cost memory to hold. */
const MAX_STACK_ENTRIES = 4_000_000;
const MAX_NAME = 160;

/** V8's pseudo-frames that are not code: the root of the tree, and a thread with nothing to do. */
const NOT_CODE = new Set(['(root)', '(idle)']);

function text(value: unknown, fallback: string): string {
  if (typeof value !== 'string') return fallback;
  // Control characters and the like never reach a report.
  const clean = value.replace(/[^\P{C}]/gu, '');
  return clean.length > MAX_NAME ? `${clean.slice(0, MAX_NAME - 1)}…` : clean;
}

/**
 * A frame's file relative to the package: the task root is left out, so both builds' files
 * match. Files outside it (the runtime's own, the standard library) keep their last two parts.
 */
export function relativeFile(location: string, taskRoot: string): string {
  return placeOf(location, taskRoot).file;
}

/** A frame's file relative to the package, and whether it is in the package at all. */
function placeOf(location: string, taskRoot: string): { file: string; inPackage: boolean } {
  let path = location;
  if (path.startsWith('file://')) {
    try {
      path = decodeURIComponent(new URL(path).pathname);
    } catch {
      // Not a URL after all: as written.
    }
  }
  const root = taskRoot.replace(/\/+$/, '');
  if (root && path.startsWith(`${root}/`)) return { file: text(path.slice(root.length + 1), ''), inPackage: true };
  if (!path.startsWith('/')) return { file: text(path, ''), inPackage: false };
  const parts = path.split('/').filter(Boolean);
  return { file: text(parts.length > 2 ? `…/${parts.slice(-2).join('/')}` : path, ''), inPackage: false };
}

interface Posted {
  readonly format?: unknown;
  readonly taskRoot?: unknown;
  readonly intervalUs?: unknown;
  readonly profile?: unknown;
}

/** One posted body read into stack samples, or undefined when it is not a profile we can read. */
export function readPostedProfile(body: Buffer): StackSamples | undefined {
  let posted: Posted;
  try {
    posted = JSON.parse(body.toString('utf8')) as Posted;
  } catch {
    return undefined;
  }
  if (typeof posted !== 'object' || posted === null) return undefined;
  const taskRoot = typeof posted.taskRoot === 'string' ? posted.taskRoot : '';
  const intervalUs = posted.intervalUs;
  if (posted.format === 'cpuprofile')
    return typeof intervalUs === 'number' && intervalUs >= 1 && intervalUs <= 1_000_000
      ? readCpuProfile(posted.profile, taskRoot, intervalUs)
      : undefined;
  if (posted.format === 'speedscope') return readSpeedscope(posted.profile, taskRoot);
  return undefined;
}

interface CpuProfileNode {
  readonly id?: unknown;
  readonly callFrame?: { functionName?: unknown; url?: unknown; lineNumber?: unknown };
  readonly children?: unknown;
}

/** V8's .cpuprofile: a call tree, the node of each sample and the microseconds between samples. */
function readCpuProfile(profile: unknown, taskRoot: string, intervalUs: number): StackSamples | undefined {
  const intervalMs = intervalUs / 1000;
  const { nodes, samples, timeDeltas } = (profile ?? {}) as {
    nodes?: unknown;
    samples?: unknown;
    timeDeltas?: unknown;
  };
  if (!Array.isArray(nodes) || !Array.isArray(samples) || !Array.isArray(timeDeltas)) return undefined;
  if (nodes.length > MAX_NODES || samples.length > MAX_SAMPLES || timeDeltas.length !== samples.length)
    return undefined;
  const frames: Frame[] = [];
  const frameIndex = new Map<string, number>();
  const parentOf = new Map<number, number>();
  const frameOf = new Map<number, number | undefined>();
  for (const node of nodes as CpuProfileNode[]) {
    if (typeof node !== 'object' || node === null || !Number.isSafeInteger(node.id)) return undefined;
    const call = node.callFrame ?? {};
    const name = text(call.functionName, '') || '(anonymous)';
    let index: number | undefined;
    if (!NOT_CODE.has(name)) {
      const { file, inPackage } =
        typeof call.url === 'string' ? placeOf(call.url, taskRoot) : { file: '', inPackage: false };
      const line =
        Number.isSafeInteger(call.lineNumber) && (call.lineNumber as number) >= 0 ? (call.lineNumber as number) + 1 : 0;
      const key = `${name}\0${file}\0${line}`;
      index = frameIndex.get(key);
      if (index === undefined) {
        index = frames.length;
        frames.push({ name, file, line, inPackage });
        frameIndex.set(key, index);
      }
    }
    frameOf.set(node.id as number, index);
    if (Array.isArray(node.children))
      for (const child of node.children)
        if (Number.isSafeInteger(child)) parentOf.set(child as number, node.id as number);
  }
  const stackCache = new Map<number, number[]>();
  let entries = 0;
  const stackOf = (id: number): number[] | undefined => {
    const cached = stackCache.get(id);
    if (cached) return cached;
    if (entries > MAX_STACK_ENTRIES) return undefined;
    const stack: number[] = [];
    let at: number | undefined = id;
    for (let depth = 0; at !== undefined; depth++) {
      if (depth > MAX_DEPTH || !frameOf.has(at)) return undefined;
      const frame = frameOf.get(at);
      if (frame !== undefined) stack.push(frame);
      at = parentOf.get(at);
    }
    stack.reverse();
    entries += stack.length;
    stackCache.set(id, stack);
    return stack;
  };
  const stacks: number[][] = [];
  const weightsMs: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i];
    if (!Number.isSafeInteger(id) || typeof timeDeltas[i] !== 'number') return undefined;
    const stack = stackOf(id as number);
    if (!stack) return undefined;
    if (!stack.length) continue; // idle: no code ran
    stacks.push(stack);
    // Each sample stands for one sampling interval. V8 stamps it with the time since the one
    // before, but that holds whatever the thread was not running for (a frozen environment
    // between calls, a wait for a CPU), which would land on the first sample after it.
    weightsMs.push(intervalMs);
  }
  return { kind: 'node', frames, stacks, weightsMs, raw: profile };
}

/** speedscope's sampled profile: a frame table, stacks of frame indexes and a weight each. */
function readSpeedscope(profile: unknown, taskRoot: string): StackSamples | undefined {
  const document = (profile ?? {}) as { shared?: { frames?: unknown }; profiles?: unknown };
  const sharedFrames = document.shared?.frames;
  const first = Array.isArray(document.profiles)
    ? (document.profiles[0] as Record<string, unknown> | undefined)
    : undefined;
  if (!Array.isArray(sharedFrames) || !first || first.type !== 'sampled' || first.unit !== 'milliseconds')
    return undefined;
  const { samples, weights } = first;
  if (!Array.isArray(samples) || !Array.isArray(weights) || samples.length !== weights.length) return undefined;
  if (sharedFrames.length > MAX_NODES || samples.length > MAX_SAMPLES) return undefined;
  const frames: Frame[] = sharedFrames.map((raw: unknown) => {
    const frame = (raw ?? {}) as { name?: unknown; file?: unknown; line?: unknown };
    const line = Number.isSafeInteger(frame.line) && (frame.line as number) > 0 ? (frame.line as number) : 0;
    const place = typeof frame.file === 'string' ? placeOf(frame.file, taskRoot) : { file: '', inPackage: false };
    return { name: text(frame.name, '') || '(anonymous)', ...place, line };
  });
  const stacks: number[][] = [];
  const weightsMs: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    const stack = samples[i];
    const weight = weights[i];
    if (!Array.isArray(stack) || stack.length > MAX_DEPTH || typeof weight !== 'number' || !Number.isFinite(weight))
      return undefined;
    if (!stack.every((index) => Number.isSafeInteger(index) && index >= 0 && index < frames.length)) return undefined;
    if (!stack.length) continue; // nothing on the stack: no code ran
    stacks.push(stack as number[]);
    weightsMs.push(Math.max(0, Math.min(weight, 1000)));
  }
  return { kind: 'python', frames, stacks, weightsMs, raw: profile };
}
