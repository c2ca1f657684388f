import { readdirSync, readFileSync } from 'node:fs';

/**
 * A process and its descendants, the root first, from the kernel's `children` lists of every
 * thread (a child started by any thread is listed under that thread).
 */
export function processTree(root: number): number[] {
  const pids = [root];
  for (let i = 0; i < pids.length; i++) {
    const pid = pids[i] as number;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // The process ended meanwhile.
    }
    for (const tid of tids) {
      try {
        for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').split(' '))
          if (child.trim()) pids.push(Number(child));
      } catch {
        // The thread ended meanwhile.
      }
    }
  }
  return pids;
}
