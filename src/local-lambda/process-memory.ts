import { readFileSync } from 'node:fs';

const KIB = 1024;

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match?.[1] ? Number(match[1]) * KIB : 0;
  } catch {
    return 0;
  }
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * Resident memory of a process tree in bytes: the root's peak (VmHWM, kept by the kernel, so
 * no spike between samples is missed) plus the current resident size of its descendants.
 */
export function processTreeMemory(rootPid: number): number {
  let total = Math.max(statusField(rootPid, 'VmHWM'), statusField(rootPid, 'VmRSS'));
  const pending = children(rootPid);
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    total += statusField(pid, 'VmRSS');
    pending.push(...children(pid));
  }
  return total;
}
