export interface RetryPolicy {
  attempts: number
  baseDelayMs: number
  maxDelayMs: number
}

/**
 * Exponential backoff with full jitter (a random delay up to base * 2^(attempt-1), capped), never
 * sooner than the vendor's Retry-After. `attempt` is the number of calls made so far.
 */
export function retryDelay (attempt: number, policy: RetryPolicy, retryAfterMs = 0, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1))
  return Math.max(Math.floor(random() * ceiling), retryAfterMs)
}
