import type { ProfileChange } from '../result/profile.js';
import type { ProfileNotice, ProfileReport } from '../result/profile.js';

/** How many changes the headline's line names; the rest are folded. */
export const SHOWN_CHANGES = 3;

export const isProfileNotice = (profile: ProfileReport | ProfileNotice): profile is ProfileNotice =>
  'notice' in profile;

const signedMs = (ms: number): string =>
  `${ms >= 0 ? '+' : '−'}${Math.abs(ms) < 0.1 ? Math.abs(ms).toFixed(3) : Math.abs(ms).toFixed(2)}`;

/** `+4.10 ms/call [+3.20, +5.00]`: the change per call and its interval. */
export function changeText(change: ProfileChange): string {
  return `${signedMs(change.deltaMsPerCall)} ms/call [${signedMs(change.interval[0])}, ${signedMs(change.interval[1])}]`;
}

/** `index.mjs:41`, or the file alone when the line is unknown. */
export function placeText(change: ProfileChange): string {
  return change.line > 0 ? `${change.file}:${change.line}` : change.file;
}

/** `new ` or `gone ` before a function only one build has. */
export function statusText(change: ProfileChange): string {
  return change.status === 'changed' ? '' : `${change.status} `;
}

/** What the profile covered: builds, variant, environments, calls, interval. */
export function coverageText(profile: ProfileReport): string {
  return `${profile.environmentPairs} environment pairs at ${profile.variant}, ${profile.callsPerEnvironment} calls each (${profile.exemplars.map((e) => e.name).join(', ')}), sampled every ${profile.samplingIntervalUs} µs`;
}
