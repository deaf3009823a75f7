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
}

/** One process's cache: embedded mode, and tests. */
export function createMemoryTokenCache (now: () => number = Date.now): TokenCache {
  const entries = new Map<string, { value: CachedToken | true, until: number }>()
  const live = (key: string) => {
    const entry = entries.get(key)
    if (entry !== undefined && entry.until <= now()) entries.delete(key)
    return entries.get(key)
  }
  return {
    async get (key) {
      const value = live(key)?.value
      return value === undefined || value === true ? undefined : value
    },
    async set (key, token, ttlMs) {
      entries.set(key, { value: token, until: now() + ttlMs })
    },
    async lock (key, ttlMs) {
      if (live(key) !== undefined) return false
      entries.set(key, { value: true, until: now() + ttlMs })
      return true
    }
  }
}
