import Fastify from 'fastify'
import type { TestContext } from './helper.js'

/** A body as raw JSON text: JSON.stringify cannot write what hostile vendors send (lone surrogates, 1e400, deep nesting). */
const raw = (status: number, body: string, headers: Record<string, string> = {}) => ({ status, body, headers })
const nested = (depth: number): string => `{"d":${'['.repeat(depth)}${']'.repeat(depth)}}`

/** What a hostile vendor answers, by the job's `answer`; anything else gets a plain result. */
const HOSTILE_ANSWERS = {
  /** A 400 whose body, cut at 200 UTF-16 units, would end in half an emoji. */
  emoji400: raw(400, `${'x'.repeat(199)}😀 and more`),
  /** The vendor's error text (read by a mapping) is a lone surrogate. */
  surrogateError: raw(400, '{"error":"refused \\ud800"}'),
  /** A lone surrogate inside a result. */
  surrogateResult: raw(200, '{"v":"\\ud800"}'),
  /** 5,000 levels of nesting in 10 KB. */
  deep: raw(200, nested(5000)),
  /** A key that no store holds faithfully. */
  nulKey: raw(200, '{"k\\u0000":1}'),
  /** A number past what a double holds: JSON.parse makes it Infinity. */
  huge: raw(200, '{"n":1e400}'),
  /** 12,000 distinct objects (300 KB): `$distinct` over them runs for seconds in one call. */
  many: raw(200, JSON.stringify({ items: Array.from({ length: 12_000 }, (_, i) => ({ i, s: `item ${i}` })) })),
  /** A retryable failure asking for a wait of three million years, past what a Date can print. */
  farRetry: raw(500, '{"error":"busy"}', { 'retry-after': '99999999999999' })
} as const

export type HostileAnswer = keyof typeof HOSTILE_ANSWERS

/**
 * A sync vendor on the service's default protocol that answers each job as its payload's `answer` says,
 * and counts the calls it received per request_id. The first `together` calls are held until the last of
 * them arrives and then answered at once, so that the worker settles them in the same batches.
 */
export async function startHostileVendor (t: TestContext, together = 0): Promise<{ url: string, calls (): Record<string, number> }> {
  const calls: Record<string, number> = {}
  let arrived = 0
  let release = (): void => {}
  const all = new Promise<void>((resolve) => { release = resolve })
  const vendor = Fastify({ bodyLimit: 1024 * 1024 })
  vendor.post('/*', async (req, reply) => {
    const { request_id: id, payload } = req.body as { request_id: string, payload: { answer?: string, n?: number } }
    calls[id] = (calls[id] ?? 0) + 1
    if (++arrived === together) release()
    if (arrived <= together) await all
    const answer = HOSTILE_ANSWERS[payload.answer as HostileAnswer] ?? raw(200, JSON.stringify({ ok: true, n: payload.n ?? null }))
    return reply.code(answer.status).headers({ 'content-type': 'application/json', ...answer.headers }).send(answer.body)
  })
  t.teardown(() => vendor.close())
  const url = await vendor.listen({ port: 0, host: '127.0.0.1' })
  return { url, calls: () => ({ ...calls }) }
}
