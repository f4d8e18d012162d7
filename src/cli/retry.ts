/**
 * Retrying requests the service answered "not now": 503 (`busy`: the repository index is
 * contended by concurrent publishes) and 429. The server's Retry-After is honoured — never
 * retried sooner — plus a random share of it (full jitter on top), so a burst of clients told
 * "2 s" does not come back in lockstep. Attempts are bounded, and a Retry-After longer than
 * `maxWaitSeconds` is not waited for: the refusal is reported instead.
 */
import { ApiError } from './api-client.js';

export interface RetryPolicy {
  /** Attempts in all, the first included (default 5). */
  maxAttempts: number;
  /** Wait when the answer names none: 1 s, doubled per retry. */
  baseDelaySeconds: number;
  /** The longest single wait accepted (default 60 s). */
  maxWaitSeconds: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** Told before each wait (the CLI prints it). */
  onRetry?: (info: { attempt: number; waitSeconds: number; error: ApiError }) => void;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 5,
  baseDelaySeconds: 1,
  maxWaitSeconds: 60,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export function isRetryable(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.status === 503 || err.status === 429);
}

/** Runs `attempt` until it succeeds, fails with something not retryable, or the policy says stop. */
export async function withRetry<T>(attempt: () => Promise<T>, policy: Partial<RetryPolicy> = {}): Promise<{ value: T; attempts: number }> {
  const p = { ...DEFAULT_RETRY, ...policy };
  for (let n = 1; ; n++) {
    try {
      return { value: await attempt(), attempts: n };
    } catch (err) {
      if (!isRetryable(err) || n >= p.maxAttempts) throw err;
      const base = err.retryAfterSeconds ?? p.baseDelaySeconds * 2 ** (n - 1);
      if (base > p.maxWaitSeconds) throw err;
      const waitSeconds = base + p.random() * Math.max(base, 0.1);
      p.onRetry?.({ attempt: n, waitSeconds, error: err });
      await p.sleep(waitSeconds * 1000);
    }
  }
}
