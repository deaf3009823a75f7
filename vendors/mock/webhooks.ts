import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import { Agent, request } from 'undici'
import type { Signer } from '../adapters/signatures.js'
import type { MockStats } from './stats.js'

const BACKOFF_MS = 100
const TIMEOUT_MS = 10_000

/** Delivers an async mock vendor's signed callbacks, as a real vendor would: late, retried, at least once. */
export interface WebhookSender {
  /** Posts `body` to `url` after `delayMs`, `copies` times in a row (2 to simulate a duplicate delivery); resolves once done. */
  schedule (url: string, body: unknown, delayMs: number, copies: number): Promise<void>
  /** Cancels waiting deliveries, aborts those in flight, and resolves once all have stopped. */
  close (): Promise<void>
}

/** A callback as it goes on the wire: its bytes and headers, signed. */
export type CallbackEncoder = (url: string, body: unknown, id: string) => { raw: string, headers: Record<string, string> }

/** JSON, signed over its bytes by `sign`: ours (Stripe's), Standard Webhooks or a GitHub-style HMAC. */
export const jsonCallbacks = (sign: Signer): CallbackEncoder => (_url, body, id) => {
  const raw = JSON.stringify(body)
  return { raw, headers: { 'content-type': 'application/json', ...sign(raw, { id }) } }
}

/** `retries`: how often a delivery is sent again, read at each delivery (the vendor's faults may change). */
export function createWebhookSender (opts: { encode: CallbackEncoder, stats: MockStats, log: FastifyBaseLogger, retries: () => number }): WebhookSender {
  const { encode, stats, log } = opts
  // One Agent keeps a pool per callback origin, so deliveries reuse connections.
  const agent = new Agent({ headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS })
  const closing = new AbortController()
  const pending = new Set<Promise<void>>()

  /** Retries network errors and 5xx; a 3xx or 4xx is the receiver's answer (409 and 404 mean something there). */
  async function deliver (url: string, body: unknown, id: string): Promise<void> {
    const retries = opts.retries()
    for (let attempt = 0; ; attempt++) {
      let problem: string
      try {
        // Signed per attempt, as the signature's timestamp says when it was sent; the message id stays.
        const { raw, headers } = encode(url, body, id)
        const res = await request(url, { method: 'POST', dispatcher: agent, signal: closing.signal, headers, body: raw })
        await res.body.dump()
        if (res.statusCode < 300) return stats.webhook('sent')
        if (res.statusCode < 500) {
          log.warn({ url, statusCode: res.statusCode }, 'webhook rejected')
          return stats.webhook('rejected')
        }
        problem = `answered ${res.statusCode}`
      } catch (err) {
        if (closing.signal.aborted) throw err
        problem = (err as Error).message
      }
      if (attempt >= retries) {
        log.warn({ url, problem, attempts: attempt + 1 }, 'webhook delivery failed')
        return stats.webhook('failed')
      }
      await sleep(BACKOFF_MS * 2 ** attempt, undefined, { signal: closing.signal })
    }
  }

  return {
    schedule (url, body, delayMs, copies) {
      const task = (async () => {
        await sleep(delayMs, undefined, { signal: closing.signal })
        // The same body for every copy and retry, so that a duplicate is exactly that.
        const id = `msg_${randomUUID()}`
        for (let i = 0; i < copies; i++) await deliver(url, body, id)
      })()
        .catch((err) => { if (!closing.signal.aborted) log.error({ err, url }, 'webhook task failed') })
        .finally(() => pending.delete(task))
      pending.add(task)
      return task
    },
    async close () {
      closing.abort()
      await Promise.all(pending)
      await agent.close()
    }
  }
}
