import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from 'undici'
import { TokenError } from './errors.js'
import { redact } from './secrets.js'
import { describeFailure, snippet } from './text.js'
import { type CachedToken, createMemoryTokenCache, type TokenCache } from './token-cache.js'

export interface OAuth2Client {
  tokenUrl: string
  clientId: string
  clientSecret: string
  scope?: string
}

export interface TokenManagerOptions {
  /** Shared by the fleet (Redis) so that one token serves every worker; default: this process only. */
  cache?: TokenCache
  /** Bounds one token fetch; a lock on the fetch lives a second longer. */
  timeoutMs?: number
  /** The first pause after a failed fetch; it doubles with each failure in a row, up to 30 s. */
  backoffMs?: number
  now?: () => number
}

export interface TokenManager {
  /** A token to send now: the one in hand, the fleet's, or a new one fetched once for all concurrent callers. */
  token (): Promise<string>
  /** The vendor answered 401 to `token`: the next token() brings another. Callers that used the same token share one refresh. */
  rejected (token: string): void
  /** `text` with the client secret and the tokens this manager knows replaced. */
  redact (text: string): string
}

const MAX_BACKOFF_MS = 30_000
/** Without expires_in a token is kept this long; a 401 replaces it sooner if it dies first. */
const DEFAULT_LIFETIME_S = 300
const PEER_POLL_MS = 50
const PEER_WAIT_MS = 2_000

/** A token endpoint answers a few hundred bytes: one that goes on is read no further than this. */
const MAX_TOKEN_BYTES = 64 * 1024

async function readAtMost (body: AsyncIterable<Buffer> & { destroy (): unknown }, max: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > max) {
      body.destroy()
      throw new Error(`its answer ran past ${max} bytes`)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export function createTokenManager (vendor: string, client: OAuth2Client, opts: TokenManagerOptions = {}): TokenManager {
  const now = opts.now ?? Date.now
  const cache = opts.cache ?? createMemoryTokenCache(now)
  const timeoutMs = opts.timeoutMs ?? 5_000
  const lockTtlMs = timeoutMs + 1_000
  const key = `oauth2:${hash(`${client.tokenUrl}\n${client.clientId}\n${client.scope ?? ''}`)}`
  let current: CachedToken | undefined
  /** The token being replaced, rejected or expired: a cache holding it has nothing better. */
  let stale: string | undefined
  let inflight: Promise<string> | undefined
  let failures = 0
  let pause: { until: number, why: string } | undefined
  let held: { key: string, until: number } | undefined

  const hide = (text: string) => redact(text, [client.clientSecret, current?.token ?? '', stale ?? ''])
  const fail = (why: string, retryAfterMs?: number) => new TokenError(hide(`${vendor}: OAuth2 token ${why}`), retryAfterMs)
  const usable = (t: CachedToken | undefined): t is CachedToken => t !== undefined && t.token !== stale && t.refreshAt > now()
  const adopt = (t: CachedToken) => {
    current = t
    return t.token
  }
  const pauseFor = (ms: number, why: string) => {
    pause = { until: now() + ms, why }
    return fail(why, ms)
  }

  async function fetchToken (): Promise<CachedToken> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret })
    if (client.scope !== undefined) form.set('scope', client.scope)
    let status: number
    let text: string
    try {
      const res = await request(client.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(timeoutMs)
      })
      status = res.statusCode
      text = await readAtMost(res.body, MAX_TOKEN_BYTES)
    } catch (err) {
      throw new Error(`endpoint call failed (${describeFailure(err)})`)
    }
    if (status < 200 || status >= 300) throw new Error(`endpoint answered ${status}: ${snippet(hide(text))}`)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new Error(`endpoint answered ${status} with a body that is not JSON: ${snippet(hide(text))}`)
    }
    const { access_token: token, token_type: type, expires_in: expiresIn } = (body ?? {}) as Record<string, unknown>
    if (typeof token !== 'string' || token === '') throw new Error(`endpoint answered ${status} without an access_token`)
    if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'bearer')) {
      throw new Error(`endpoint answered ${status} with token_type ${JSON.stringify(type)}, not Bearer`)
    }
    const seconds = Number(expiresIn)
    const lifetimeMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LIFETIME_S) * 1000
    // Renewed a little early, so that no call sets out with a token about to die on the way.
    return { token, refreshAt: now() + lifetimeMs - Math.min(60_000, lifetimeMs / 10) }
  }

  /** The fleet's token once the worker holding the lock has it; its failure, said as it was, when its fetch failed. */
  async function awaitPeer (lockKey: string): Promise<string> {
    const end = now() + Math.min(lockTtlMs, PEER_WAIT_MS)
    for (;;) {
      const shared = await cache.get(key)
      if (usable(shared)) return adopt(shared)
      const failed = await cache.failure?.(lockKey)
      if (failed !== undefined) throw pauseFor(PEER_WAIT_MS, failed)
      if (now() >= end) throw pauseFor(PEER_WAIT_MS, 'was being fetched by another worker and did not arrive in time')
      await sleep(PEER_POLL_MS)
    }
  }

  async function obtain (): Promise<string> {
    if (pause !== undefined && pause.until > now()) throw fail(pause.why, pause.until - now())
    const shared = await cache.get(key)
    if (usable(shared)) return adopt(shared)
    const lockKey = `${key}:lock:${hash(stale ?? '')}`
    // A lock we took is ours until it lapses: after our own failed fetch we try again when our backoff ends.
    if (cache.lock !== undefined && !(held?.key === lockKey && held.until > now())) {
      const until = now() + lockTtlMs
      if (!await cache.lock(lockKey, lockTtlMs)) return awaitPeer(lockKey)
      held = { key: lockKey, until }
    }
    let fresh: CachedToken
    try {
      fresh = await fetchToken()
    } catch (err) {
      failures++
      const why = (err as Error).message
      // While the lock stands the others wait on it: they tell their jobs what went wrong here, not that they
      // waited. A cache that cannot take the note loses only that: this failure is still reported.
      if (held?.key === lockKey && held.until > now()) await cache.noteFailure?.(lockKey, hide(why), held.until - now()).catch(() => {})
      throw pauseFor(Math.min(MAX_BACKOFF_MS, (opts.backoffMs ?? 1_000) * 2 ** (failures - 1)), why)
    }
    failures = 0
    pause = undefined
    await cache.set(key, fresh, fresh.refreshAt - now())
    return adopt(fresh)
  }

  return {
    async token () {
      if (current !== undefined && current.refreshAt > now()) return current.token
      if (current !== undefined) {
        stale = current.token
        current = undefined
      }
      inflight ??= obtain()
        .catch((err: unknown) => {
          throw err instanceof TokenError ? err : fail(`cache failed (${describeFailure(err)})`)
        })
        .finally(() => { inflight = undefined })
      return inflight
    },
    rejected (token) {
      if (current?.token !== token) return
      stale = token
      current = undefined
    },
    redact: hide
  }
}

/** Keys name the client without spelling out its URL, and locks the token they replace without holding it. */
function hash (text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 24)
}
