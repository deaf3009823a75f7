/** An OAuth2 access token as the fleet shares it. `refreshAt` is wall-clock ms, a little before the token expires. */
export interface CachedToken {
  token: string
  refreshAt: number
}

/**
 * Where the fleet keeps its OAuth2 tokens, so that one token serves every worker. A Redis version is
 * `GET key` (JSON), `SET key <json> PX ttlMs`, and for `lock` `SET key 1 NX PX ttlMs`; no unlock is
 * needed, as a lock only has to outlive one token fetch, and one left by a failed fetch is the fleet's backoff.
 */
export interface TokenCache {
  get (key: string): Promise<CachedToken | undefined>
  set (key: string, token: CachedToken, ttlMs: number): Promise<void>
  /** True when this caller took the lock; absent: every process fetches on its own (one process, or a test). */
  lock? (key: string, ttlMs: number): Promise<boolean>
  /** Why the fetch under a lock failed, kept while the lock stands, so that callers who could not take it can say. */
  noteFailure? (key: string, reason: string, ttlMs: number): Promise<void>
  failure? (key: string): Promise<string | undefined>
}

/** One process's cache: embedded mode, and tests. */
export function createMemoryTokenCache (now: () => number = Date.now): TokenCache {
  const entries = new Map<string, { value: CachedToken | string | true, until: number }>()
  const live = (key: string) => {
    const entry = entries.get(key)
    if (entry !== undefined && entry.until <= now()) entries.delete(key)
    return entries.get(key)
  }
  return {
    async get (key) {
      const value = live(key)?.value
      return typeof value === 'object' ? value : undefined
    },
    async set (key, token, ttlMs) {
      entries.set(key, { value: token, until: now() + ttlMs })
    },
    async lock (key, ttlMs) {
      if (live(key) !== undefined) return false
      entries.set(key, { value: true, until: now() + ttlMs })
      return true
    },
    async noteFailure (key, reason, ttlMs) {
      entries.set(`${key}:failure`, { value: reason, until: now() + ttlMs })
    },
    async failure (key) {
      const value = live(`${key}:failure`)?.value
      return typeof value === 'string' ? value : undefined
    }
  }
}
