import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Two CPU hogs (`node -e "for(;;);"`), the load the benchmarks measure beside on a 2-core host.
 * Started and stopped by pid; killed when this process exits, however it ends.
 */
export function startHogs(count = 2): { stop: () => void } {
  const hogs: ChildProcess[] = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', 'for(;;);'], { stdio: 'ignore' }),
  );
  const stop = (): void => {
    for (const hog of hogs) if (hog.pid && hog.exitCode === null && hog.signalCode === null) hog.kill('SIGKILL');
    process.off('exit', stop);
  };
  process.on('exit', stop);
  return { stop };
}
