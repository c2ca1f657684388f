/**
 * Node.js source that defines `cpuNs()`: the calling thread's own CPU time in nanoseconds, from
 * the kernel's per-thread account (`/proc/thread-self/schedstat`, field 1). A running thread's
 * account lags by up to a scheduler tick, so a getrusage (`process.cpuUsage()`) brings it up to
 * date first. The file is opened once, by the thread that evaluates this source, and read into one
 * buffer: a `readFileSync` per read made 20 ms of garbage-collector CPU during a 30 ms loop.
 */
export const THREAD_CPU_NS = [
  "const { openSync: openCpuFile, readSync: readCpuFile } = require('node:fs');",
  "const cpuFile = openCpuFile('/proc/thread-self/schedstat', 'r');",
  'const cpuText = Buffer.alloc(64);',
  'function cpuNs() {',
  '  process.cpuUsage();',
  '  const read = readCpuFile(cpuFile, cpuText, 0, 64, 0);',
  "  return Number(cpuText.toString('latin1', 0, read).split(' ')[0]);",
  '}',
].join('\n');
