import type { Log } from '../log.js'
import type { DispatchQueue, Settlement, VendorLimits } from './queue.js'

/** Batches settlements per vendor: everything settled in one turn of the event loop goes in one queue call. */
export interface Settler {
  /** Resolves once the settlement was sent with its batch (or given up on). */
  add (limits: VendorLimits, settlement: Settlement): Promise<void>
  /** Resolves once everything added so far was sent (or given up on). */
  flush (): Promise<void>
}

const ATTEMPTS = 5
const BACKOFF_MS = 200

export function createSettler (queue: DispatchQueue, log: Log): Settler {
  const pending = new Map<string, { limits: VendorLimits, batch: Settlement[], sent: Promise<void>, done: () => void }>()
  const sending = new Set<Promise<void>>()
  let scheduled = false

  const send = async (limits: VendorLimits, batch: Settlement[]): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await queue.settle(limits, batch)
      } catch (err) {
        if (attempt === ATTEMPTS) {
          // The entries stay leased to nobody: their leases run out and other deliveries take them over.
          log.error({ err, vendor: limits.name, deliveries: batch.length }, 'cannot settle deliveries; they will be taken over')
          return
        }
        await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS * attempt))
      }
    }
  }
  const drain = (): void => {
    scheduled = false
    for (const [vendor, { limits, batch, done }] of pending) {
      pending.delete(vendor)
      const task = send(limits, batch).finally(() => {
        sending.delete(task)
        done()
      })
      sending.add(task)
    }
  }
  return {
    add (limits, settlement) {
      let entry = pending.get(limits.name)
      if (entry === undefined) {
        let done = (): void => {}
        const sent = new Promise<void>((resolve) => { done = resolve })
        entry = { limits, batch: [], sent, done }
        pending.set(limits.name, entry)
      }
      entry.batch.push(settlement)
      if (!scheduled) {
        scheduled = true
        setImmediate(drain)
      }
      return entry.sent
    },
    async flush () {
      drain()
      await Promise.allSettled([...sending])
    }
  }
}
