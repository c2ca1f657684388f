/**
 * The options `startLocalLambda` takes, by kind: anything else, or a value of the wrong kind, is
 * refused at start with what is valid, so a typo never silently runs a less faithful service.
 */
const KINDS: Record<string, 'string' | 'number' | 'boolean' | 'object'> = {
  host: 'string',
  port: 'number',
  region: 'string',
  idleTimeoutMs: 'number',
  maxEnvironments: 'number',
  eventQueueCapacity: 'number',
  eventRetryDelayMs: 'number',
  cpuThrottle: 'boolean',
  throttleInit: 'boolean',
  freeze: 'boolean',
  privateTmp: 'boolean',
  environmentSpread: 'number',
  faults: 'object',
  nodeBinary: 'string',
  pythonBinary: 'string',
};

export function checkServiceOptions(options: object): void {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const kind = KINDS[key];
    if (!kind) problems.push(`unknown option ${JSON.stringify(key)}`);
    else if (typeof value !== kind || value === null || (kind === 'number' && !Number.isFinite(value))) {
      problems.push(`${key} must be a ${kind === 'number' ? 'finite number' : kind}, got ${JSON.stringify(value)}`);
    }
  }
  if (problems.length) {
    throw new TypeError(`Local Lambda service options: ${problems.join('; ')}. Valid options: ${Object.entries(KINDS).map(([key, kind]) => `${key} (${kind})`).join(', ')}.`);
  }
}
