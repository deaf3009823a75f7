import { createHash, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { type DispatchQueue, queued } from './dispatch/queue.js'
import type { Job } from './job.js'
import type { JobStore } from './store.js'

/** How long a key is remembered, as Stripe does. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000

/** What a key holds: the job it names from the moment it is reserved, and whether that job is stored and queued yet. */
export interface IdempotencyRecord {
  state: 'pending' | 'done'
  id: string
  /** The body's fingerprint (bodyHash). */
  hash: string
  /** When the pending request took the key; 0 once it gave up, so that the next one takes over at once. */
  at: number
}

/** Where the keys live (Redis, or a bounded map in embedded mode); records travel as strings, compared whole. */
export interface IdempotencyKeys {
  /** Puts `record` under `key` for `ttlMs` unless the key holds one already: then answers that one and changes nothing. */
  reserve (key: string, record: string, ttlMs: number): Promise<string | null>
  /** Replaces the record, for `ttlMs`, only while the key still holds `expected`; true when it did. */
  swap (key: string, expected: string, next: string, ttlMs: number): Promise<boolean>
}

export class IdempotencyMismatchError extends Error {
  override name = 'IdempotencyMismatchError'
}

export class IdempotencyInProgressError extends Error {
  override name = 'IdempotencyInProgressError'
}

export const encodeRecord = (r: IdempotencyRecord): string => JSON.stringify([r.state, r.id, r.hash, r.at])

function decodeRecord (text: string): IdempotencyRecord {
  const [state, id, hash, at] = JSON.parse(text) as [IdempotencyRecord['state'], string, string, number]
  return { state, id, hash, at }
}

/** JSON with every object's keys sorted: the same body sent with its keys in another order is the same body. */
function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  const keys = Object.keys(value).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
}

/** A request body's fingerprint. Bodies are parsed JSON no deeper than MAX_JSON_DEPTH, so the recursion is bounded. */
export const bodyHash = (body: unknown): string => createHash('sha256').update(canonical(body)).digest('hex')

/** What a repeat of the request under the same Idempotency-Key must match: its body, and the Notify-Url it named. */
export const requestHash = (body: unknown, notifyUrl: string | undefined): string => bodyHash(notifyUrl === undefined ? body : { body, notifyUrl })

export interface IdempotencyTiming {
  /** How long a duplicate waits for the request that holds the key before answering that it is still in progress. */
  waitMs: number
  /** A key pending this long belongs to a request that died: longer than any store write may take. */
  staleMs: number
}

const DEFAULT_TIMING: IdempotencyTiming = { waitMs: 3_000, staleMs: 30_000 }

/**
 * Submits the job once per key (Stripe's semantics): the first request reserves the key with the job's id
 * before storing anything, and marks it done once the job is stored and queued; a duplicate with the same
 * body answers that id (waiting while it is pending), with another body it is refused.
 *
 * The id is fixed at the reservation, so no crash can make a key name a second job: a request that fails
 * or dies leaves the key pending (given up, or stale after `staleMs`), and the next duplicate takes it
 * over, stores the job under the same id unless it is there already, and queues it if it never ran.
 */
export async function submitOnce (
  deps: { keys: IdempotencyKeys, backend: { store: JobStore, queue: DispatchQueue, submit (job: Job): Promise<void> } },
  key: string,
  hash: string,
  makeJob: (id: string) => Job,
  timing: IdempotencyTiming = DEFAULT_TIMING
): Promise<{ id: string, created: boolean }> {
  const { backend } = deps
  return runOnce(deps.keys, key, hash, async (id, takeover) => {
    const stored = takeover ? await backend.store.get(id) : null
    if (stored === null) await backend.submit(makeJob(id))
    // A coalesced job has no entry of its own: it ends with its leader. Any other is queued unless the request
    // that stored it queued it too (only its key's last write failed): a second entry would call it early.
    else if (stored.status === 'pending' && stored.leader === undefined) {
      const [covered] = await backend.queue.coverage(stored.vendor, [stored])
      if (covered?.entry !== true && covered?.retry !== true) await backend.queue.enqueue(stored.vendor, [queued(stored)])
    }
  }, timing)
}

/**
 * Runs `perform` once per key, under an id fixed when the key is reserved: submitOnce's rules for any
 * request that stores something under that id (a job, a batch). `perform` is given the id and whether it
 * takes over a request that failed or died (it may have stored some or all of its work), and must be
 * safe to run again then.
 */
export async function runOnce (
  keys: IdempotencyKeys,
  key: string,
  hash: string,
  perform: (id: string, takeover: boolean) => Promise<void>,
  timing: IdempotencyTiming = DEFAULT_TIMING
): Promise<{ id: string, created: boolean }> {
  const run = async (record: IdempotencyRecord, takeover: boolean): Promise<{ id: string, created: boolean }> => {
    const held = encodeRecord(record)
    try {
      await perform(record.id, takeover)
    } catch (err) {
      // The work may or may not have been stored: the key keeps its id, given up so that a retry takes over at once.
      await keys.swap(key, held, encodeRecord({ ...record, at: 0 }), IDEMPOTENCY_TTL_MS).catch(() => {})
      throw err
    }
    // Stored now; should this write fail, a duplicate takes the pending key over and finds the work.
    await keys.swap(key, held, encodeRecord({ ...record, state: 'done' }), IDEMPOTENCY_TTL_MS).catch(() => {})
    return { id: record.id, created: true }
  }

  const started = Date.now()
  for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
    const mine: IdempotencyRecord = { state: 'pending', id: randomUUID(), hash, at: Date.now() }
    const held = await keys.reserve(key, encodeRecord(mine), IDEMPOTENCY_TTL_MS)
    if (held === null) return run(mine, false)
    const record = decodeRecord(held)
    if (record.hash !== hash) throw new IdempotencyMismatchError('this Idempotency-Key was used with another body')
    if (record.state === 'done') return { id: record.id, created: false }
    if (Date.now() - record.at >= timing.staleMs) {
      const taken = { ...record, at: Date.now() }
      if (await keys.swap(key, held, encodeRecord(taken), IDEMPOTENCY_TTL_MS)) return run(taken, true)
      continue
    }
    if (Date.now() - started >= timing.waitMs) throw new IdempotencyInProgressError('a request with this Idempotency-Key is still in progress')
    await sleep(pause)
  }
}
