import { readFileSync } from 'node:fs';

const KIB = 1024;

/** Resident size now and at its peak (VmHWM, kept by the kernel), in bytes, from one read. */
function residentMemory(pid: number): { current: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => {
      const at = status.indexOf(`${name}:`);
      return at < 0 ? 0 : Number.parseInt(status.slice(at + name.length + 1), 10) * KIB;
    };
    return { current: field('VmRSS'), peak: field('VmHWM') };
  } catch {
    return { current: 0, peak: 0 };
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Resident memory of a process tree in bytes: the root's peak (so no spike between samples is
 * missed) plus the current resident size of its descendants.
 */
export function processTreeMemory(rootPid: number): number {
  const root = residentMemory(rootPid);
  let total = Math.max(root.peak, root.current);
  const pending = children(rootPid);
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    total += residentMemory(pid).current;
    pending.push(...children(pid));
  }
  return total;
}
