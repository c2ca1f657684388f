import { isRetryable } from './infrastructure-error.js';

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseMs: number;
  readonly capMs: number;
  readonly sleep: Sleep;
  readonly random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 8,
  baseMs: 100,
  capMs: 5000,
  sleep: realSleep,
  random: Math.random,
};

/**
 * Retries throttling and server errors with capped exponential backoff and full jitter, after
 * the SDK's own attempts; `onRetry` counts them for the report.
 */
export async function withRetry<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy,
  onRetry: (error: unknown) => void = () => undefined,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error)) throw error;
      onRetry(error);
      await policy.sleep(policy.random() * Math.min(policy.capMs, policy.baseMs * 2 ** attempt));
    }
  }
}
