import { UsageError } from '../errors.js';
import { CLOCKS, type ClockKind } from '../local-lambda/host/thread-times.js';

export const CLOCK_HELP = `  --clock model|wall      where the local service's Durations come from: model (default where
                          the host accounts CPU time per thread) is what Lambda would take for
                          the CPU time and waits the kernel accounted; wall is the host's clock`;

/**
 * The `--clock` value, checked at start. `needsLocal` names the flag that must come with it, on the
 * commands where the clock applies only to the embedded service.
 */
export function clockOption(value: string | undefined, needsLocal?: { local: boolean }): ClockKind | undefined {
  if (value === undefined) return undefined;
  const clock = CLOCKS.find((known) => known === value);
  if (!clock) throw new UsageError(`--clock must be one of ${CLOCKS.join(', ')}, got "${value}"`);
  if (needsLocal && !needsLocal.local)
    throw new UsageError("--clock sets the embedded local service's clock; it needs --local");
  return clock;
}
