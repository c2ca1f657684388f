/** One invocation as the gate saw it: the record everything after measuring reads. */
export type Build = 'baseline' | 'candidate';

export interface Sample {
  readonly function: string;
  readonly build: Build;
  /** The variant's id, e.g. `512MB-x86_64` or `512MB-x86_64-prejit`. */
  readonly variant: string;
  readonly exemplar: string;
  /** Cold when the REPORT line carried Init Duration or Restore Duration. */
  readonly kind: 'cold' | 'warm';
  readonly durationMs: number;
  readonly billedDurationMs: number;
  readonly initDurationMs?: number;
  readonly restoreDurationMs?: number;
  readonly billedRestoreDurationMs?: number;
  readonly maxMemoryUsedMb: number;
  readonly memorySizeMb: number;
  /** Set when the function failed (X-Amz-Function-Error), e.g. `Sandbox.Timedout`. */
  readonly errorType?: string;
  /** Set when the response did not contain what the exemplar expects. */
  readonly wrongAnswer?: string;
  /** Order in which the invocation completed, across the whole run. */
  readonly sequence: number;
}

/** What a cold start costs in latency: INIT (or SnapStart restore) plus the first invocation. */
export function coldLatencyMs(sample: Sample): number {
  return sample.durationMs + (sample.initDurationMs ?? 0) + (sample.restoreDurationMs ?? 0);
}
