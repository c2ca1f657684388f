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
  /** With an error: what the error document's errorMessage said (its first line, shortened). */
  readonly errorMessage?: string;
  /** Set when the response did not contain what the exemplar expects. */
  readonly wrongAnswer?: string;
  /** Order in which the invocation completed, across the whole run. */
  readonly sequence: number;
  /** Warm samples measured back to back as a baseline/candidate pair share this number; an environment pair's two first (cold) calls have none. */
  readonly pair?: number;
  /** The environment pair (a fresh version of each build, one execution environment each) that answered: 0, 1, ... per variant. */
  readonly environmentPair?: number;
}

/** What a cold start costs in latency: INIT (or SnapStart restore) plus the first invocation. */
export function coldLatencyMs(sample: Sample): number {
  return sample.durationMs + (sample.initDurationMs ?? 0) + (sample.restoreDurationMs ?? 0);
}

export interface SampleOrigin {
  readonly function: string;
  readonly build: Build;
  readonly variant: string;
  readonly exemplar: string;
  readonly sequence: number;
  readonly pair?: number;
  readonly environmentPair?: number;
}

/** A Sample from Lambda's REPORT figures: cold when they carry Init or Restore Duration. */
export function sampleFromReport(
  report: {
    durationMs: number;
    billedDurationMs: number;
    maxMemoryUsedMb: number;
    memorySizeMb: number;
    initDurationMs?: number;
    restoreDurationMs?: number;
    billedRestoreDurationMs?: number;
  },
  origin: SampleOrigin,
  outcome: { errorType?: string | undefined; errorMessage?: string | undefined; wrongAnswer?: string | undefined } = {},
): Sample {
  const cold = report.initDurationMs !== undefined || report.restoreDurationMs !== undefined;
  return {
    ...origin,
    kind: cold ? 'cold' : 'warm',
    durationMs: report.durationMs,
    billedDurationMs: report.billedDurationMs,
    ...(report.initDurationMs === undefined ? {} : { initDurationMs: report.initDurationMs }),
    ...(report.restoreDurationMs === undefined ? {} : { restoreDurationMs: report.restoreDurationMs }),
    ...(report.billedRestoreDurationMs === undefined
      ? {}
      : { billedRestoreDurationMs: report.billedRestoreDurationMs }),
    maxMemoryUsedMb: report.maxMemoryUsedMb,
    memorySizeMb: report.memorySizeMb,
    ...(outcome.errorType ? { errorType: outcome.errorType } : {}),
    ...(outcome.errorType && outcome.errorMessage ? { errorMessage: outcome.errorMessage } : {}),
    ...(outcome.wrongAnswer ? { wrongAnswer: outcome.wrongAnswer } : {}),
  };
}
