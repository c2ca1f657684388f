import type { Finding } from '../../src/analysis/result.js';

type ErrorsFinding = Extract<Finding, { about: 'errors' }>;
type CommandFinding = Extract<Finding, { about: 'integration-command' }>;

/** An error type seen on an exemplar: how many of each build's calls failed with it, as [failed, calls]. */
export const errorsFinding = (
  kind: ErrorsFinding['kind'],
  errorType: string,
  [candidateFailed, candidateCalls]: [number, number],
  [baselineFailed, baselineCalls]: [number, number],
  exemplar = 'six',
): ErrorsFinding => ({
  kind,
  about: 'errors',
  exemplar,
  errorType,
  candidate: { failed: candidateFailed, calls: candidateCalls },
  baseline: { failed: baselineFailed, calls: baselineCalls },
});

/** `npm test` failing against the candidate with exit code 1, unless told otherwise. */
export const commandFinding = (overrides: Partial<CommandFinding> = {}): CommandFinding => ({
  kind: 'test-failure',
  about: 'integration-command',
  build: 'candidate',
  command: 'npm test',
  exitCode: 1,
  signal: null,
  timedOut: false,
  outputTail: '',
  ...overrides,
});
