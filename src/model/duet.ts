import type { Build } from './sample.js';

/** The invocation's field that names the build in a duet; the build's handler gets only `event`. */
export const DUET_FIELD = 'lambda-perf-gate-duet';

/** The invocation a duet's dispatcher takes: the build to run and the exemplar's event, unchanged. */
export function duetPayload(build: Build, payload: Uint8Array): Buffer {
  const event = Buffer.from(payload).toString('utf8').trim() || 'null';
  return Buffer.from(`{"${DUET_FIELD}":"${build}","event":${event}}`);
}

/** The most the duet's wrapper adds to an event, in bytes. */
export const DUET_WRAPPER_BYTES = duetPayload('candidate', Buffer.from('')).length - 'null'.length;
