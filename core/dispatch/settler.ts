import { failChange } from '../ending.js'
import { clip } from '../input/clip.js'
import type { Log } from '../log.js'
import { type DispatchQueue, type Settlement, SettlementRefusedError, type VendorLimits } from './queue.js'

/** Batches settlements per vendor: everything settled in one turn of the event loop goes in one queue call. */
export interface Settler {
  /**
   * `sent` resolves once the settlement's batch has been sent (its answer not yet in): anything sent on the
   * same connection after that, such as the next take, reaches Redis after it. `applied` resolves with its
   * answer: whether its job change applied (false when given up on).
   */
  add (limits: VendorLimits, settlement: Settlement): { sent: Promise<void>, applied: Promise<boolean> }
  /** Resolves once everything added so far was sent (or given up on). */
  flush (): Promise<void>
}

const BACKOFF_MS = 200
const MAX_BACKOFF_MS = 2_000

/**
 * `giveUpMs`: how long a batch is sent again while the queue cannot be reached, its entries' lease: until
 * then no other delivery takes them over, so a settlement applied when Redis is back is the only one, and the
 * vendor is not called again for an outcome the worker already has.
 */
export function createSettler (queue: DispatchQueue, log: Log, giveUpMs: number): Settler {
  interface Batch {
    limits: VendorLimits
    batch: Settlement[]
    sent: Promise<void>
    onSent: () => void
    applied: Promise<boolean[]>
    onApplied: (applied: boolean[]) => void
  }
  const pending = new Map<string, Batch>()
  const sending = new Set<Promise<unknown>>()
  let scheduled = false

  /** `instead`: the batch is a refused settlement's replacement, which is not replaced again. */
  const send = async (limits: VendorLimits, batch: Settlement[], instead = false): Promise<boolean[]> => {
    const giveUpAt = Date.now() + giveUpMs
    for (let attempt = 1; ; attempt++) {
      try {
        return await queue.settle(limits, batch)
      } catch (err) {
        if (err instanceof SettlementRefusedError && !instead) return split(limits, batch, err)
        const backoff = Math.min(BACKOFF_MS * attempt, MAX_BACKOFF_MS)
        if (Date.now() + backoff > giveUpAt) {
          // The entries stay leased to nobody: their leases run out and other deliveries take them over.
          log.error({ err, vendor: limits.name, deliveries: batch.length }, 'cannot settle deliveries; they will be taken over')
          return batch.map(() => false)
        }
        await new Promise((resolve) => setTimeout(resolve, backoff))
      }
    }
  }
  /**
   * One settlement that the queue refuses must not sink the others: the batch is halved until the refused
   * one is alone, and that one fails its job instead. Those applied before a refusal in the same script
   * are sent again and change nothing (settle.lua is fenced per delivery).
   */
  const split = async (limits: VendorLimits, batch: Settlement[], err: SettlementRefusedError): Promise<boolean[]> => {
    const [only] = batch
    if (batch.length > 1 || only === undefined) {
      const half = Math.ceil(batch.length / 2)
      return [...await send(limits, batch.slice(0, half)), ...await send(limits, batch.slice(half))]
    }
    log.error({ err, vendor: limits.name, jobId: only.delivery.jobId }, 'the queue refused a settlement; its job is failed instead')
    await send(limits, [refused(only, err)], true)
    return [false]
  }
  const drain = (): void => {
    scheduled = false
    for (const [vendor, { limits, batch, onSent, onApplied }] of pending) {
      pending.delete(vendor)
      const task = send(limits, batch).then((applied) => {
        sending.delete(task)
        onApplied(applied)
      })
      sending.add(task)
      onSent()
    }
  }
  return {
    add (limits, settlement) {
      let entry = pending.get(limits.name)
      if (entry === undefined) {
        let onSent = (): void => {}
        let onApplied = (_applied: boolean[]): void => {}
        const sent = new Promise<void>((resolve) => { onSent = resolve })
        const applied = new Promise<boolean[]>((resolve) => { onApplied = resolve })
        entry = { limits, batch: [], sent, onSent, applied, onApplied }
        pending.set(limits.name, entry)
      }
      const at = entry.batch.push(settlement) - 1
      if (!scheduled) {
        scheduled = true
        setImmediate(drain)
      }
      return { sent: entry.sent, applied: entry.applied.then((applied) => applied[at] === true) }
    },
    async flush () {
      drain()
      await Promise.allSettled([...sending])
    }
  }
}

/**
 * What a refused settlement becomes: its entry acknowledged, its slot released, its call counted, and, where
 * the queue records the job's change, the job failed saying why, with nothing else the vendor sent.
 */
function refused (s: Settlement, err: Error): Settlement {
  const change = failChange(`the outcome of the call to ${s.delivery.vendor} could not be recorded: ${clip(err.message)}`, { result: null })
  return {
    delivery: s.delivery,
    ...(s.outcome === undefined ? {} : { outcome: s.outcome }),
    ...(s.change === undefined ? {} : { change, status: 'failed' as const })
  }
}
