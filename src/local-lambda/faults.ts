/** Fault injection for tests: off unless asked, deterministic for a given seed. */
import { seededRandom } from '../random.js';
export interface FaultOptions {
  /** Share of Lambda API requests answered 429 TooManyRequestsException. */
  throttleRate: number;
  /** Share of Lambda API requests answered 500 ServiceException. */
  errorRate: number;
  /** Share of invocations whose environment is killed while the handler runs. */
  killRate: number;
  /** How long an update or a new function stays InProgress / Pending. */
  updateDelayMs: number;
  /** The Retry-After an injected 429 carries; the SDK waits that long before its retry. */
  retryAfterMs: number;
  /** How long log events take to show in the CloudWatch Logs API, as delivery lags on AWS. */
  logDelayMs: number;
  seed: number;
}

const NO_FAULTS: FaultOptions = {
  throttleRate: 0,
  errorRate: 0,
  killRate: 0,
  updateDelayMs: 0,
  retryAfterMs: 100,
  logDelayMs: 0,
  seed: 1,
};

export { seededRandom };

export function checkFaultOptions(options: Partial<FaultOptions>): string[] {
  const problems: string[] = [];
  for (const key of ['throttleRate', 'errorRate', 'killRate'] as const) {
    const value = options[key];
    if (value !== undefined && !(value >= 0 && value <= 1))
      problems.push(`${key} must be between 0 and 1, got ${value}`);
  }
  const total = (options.throttleRate ?? 0) + (options.errorRate ?? 0);
  if (total > 1) problems.push(`throttleRate + errorRate must not exceed 1, got ${total}`);
  for (const key of ['updateDelayMs', 'retryAfterMs', 'logDelayMs'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isFinite(value) && value >= 0))
      problems.push(`${key} must be a non-negative number, got ${value}`);
  }
  return problems;
}

export class FaultInjector {
  private options: FaultOptions;
  private random: () => number;

  constructor(options: Partial<FaultOptions> = {}) {
    this.options = { ...NO_FAULTS, ...options };
    this.random = seededRandom(this.options.seed);
  }

  get current(): FaultOptions {
    return { ...this.options };
  }

  update(options: Partial<FaultOptions>): void {
    const problems = checkFaultOptions(options);
    if (problems.length) throw new Error(problems.join('; '));
    this.options = { ...this.options, ...options };
    if (options.seed !== undefined) this.random = seededRandom(options.seed);
  }

  /** What, if anything, should go wrong with this API request. */
  requestFault(): 'throttle' | 'error' | undefined {
    const { throttleRate, errorRate } = this.options;
    if (throttleRate === 0 && errorRate === 0) return undefined;
    const draw = this.random();
    if (draw < throttleRate) return 'throttle';
    if (draw < throttleRate + errorRate) return 'error';
    return undefined;
  }

  killThisInvocation(): boolean {
    return this.options.killRate > 0 && this.random() < this.options.killRate;
  }
}
