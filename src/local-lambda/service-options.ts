/**
 * The options `startLocalLambda` takes, by kind: anything else, or a value of the wrong kind, is
 * refused at start with what is valid, so a typo never silently runs a less faithful service.
 */
type Kind = 'string' | 'number' | 'boolean' | 'object' | 'function';
const KINDS: Record<string, Kind | readonly Kind[]> = {
  host: 'string',
  port: 'number',
  region: 'string',
  idleTimeoutMs: 'number',
  maxEnvironments: 'number',
  eventQueueCapacity: 'number',
  eventQueueBytes: 'number',
  eventRetryDelayMs: 'number',
  clock: 'string',
  cpuThrottle: 'boolean',
  throttleInit: 'boolean',
  freeze: 'boolean',
  privateTmp: 'boolean',
  tmpBudgetMb: 'number',
  environmentSpread: 'number',
  environmentCpus: 'string',
  faults: 'object',
  nodeBinary: 'string',
  pythonBinary: 'string',
  requireAuth: ['boolean', 'object'],
  isolation: 'boolean',
  profileIntervalUs: 'number',
  warn: 'function',
};

export function checkServiceOptions(options: object): void {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const allowed = KINDS[key];
    const kinds: readonly Kind[] = allowed === undefined ? [] : typeof allowed === 'string' ? [allowed] : allowed;
    if (!kinds.length) problems.push(`unknown option ${JSON.stringify(key)}`);
    else if (
      !kinds.includes(typeof value as Kind) ||
      value === null ||
      (typeof value === 'number' && !Number.isFinite(value))
    ) {
      problems.push(
        `${key} must be a ${kinds.map((kind) => (kind === 'number' ? 'finite number' : kind)).join(' or ')}, got ${JSON.stringify(value)}`,
      );
    }
  }
  if (problems.length) {
    throw new TypeError(
      `Local Lambda service options: ${problems.join('; ')}. Valid options: ${Object.entries(KINDS)
        .map(([key, kind]) => `${key} (${typeof kind === 'string' ? kind : kind.join(' or ')})`)
        .join(', ')}.`,
    );
  }
}
