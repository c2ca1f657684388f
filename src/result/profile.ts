import type { Build } from '../model/sample.js';

// What the report says of profiles: built by profile/, rendered by report/.

/** A function whose time per call changed between the builds (or that one build lacks). */
export interface ProfileChange {
  readonly function: string;
  readonly file: string;
  readonly line: number;
  readonly baselineMsPerCall: number;
  readonly candidateMsPerCall: number;
  readonly deltaMsPerCall: number;
  /** The change's simultaneous confidence interval (all functions tested together). */
  readonly interval: readonly [number, number];
  readonly status: 'changed' | 'new' | 'gone';
  /** Time with the function anywhere on the stack (its callees included), per call. */
  readonly baselineTotalMsPerCall: number;
  readonly candidateTotalMsPerCall: number;
}

/** Where the time per call went, by function, in both builds; only changes beyond sampling noise. */
export interface ProfileReport {
  /** Always the embedded local service: it runs both builds under a sampling profiler. */
  readonly backend: 'local';
  /** One sentence: what profiled, and where the verdict was measured. */
  readonly statement: string;
  readonly variant: string;
  /** The exemplars profiled, with their shares of the calls. */
  readonly exemplars: readonly { readonly name: string; readonly weight: number }[];
  readonly samplingIntervalUs: number;
  readonly environmentPairs: number;
  readonly callsPerEnvironment: number;
  /** Functions whose self time per call changed, largest increase first. */
  readonly changes: readonly ProfileChange[];
  /** The merged profile of each build, beside the report. */
  readonly files?: Readonly<Record<Build, string>>;
}

/** Why a function was not profiled: said in the report, never a failure. */
export interface ProfileNotice {
  readonly notice: string;
}
