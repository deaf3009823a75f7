import { EventEmitter } from 'node:events'
import { breakerRoom, recordOutcome, takeProbes } from '../../dispatch/breaker.js'
import { grantTokens, quotaRoom } from '../../dispatch/limits.js'
import { type Blocked, type Delivery, type DispatchQueue, type DispatchSettings, entryTime, type Settlement, type Take, type VendorLimits, type VendorSnapshot } from '../../dispatch/queue.js'
import { createVendorState, type Entry, listJob, promoteDue, type VendorState } from './vendor-state.js'

/** Dead letters kept per vendor: a record for operators, not a second queue. */
const DEAD_LETTERS_KEPT = 1_000

export interface MemoryQueue extends DispatchQueue {
  /** Drops what the queue still knows of an evicted job, so that a bounded store keeps the queue bounded too. */
  forget (vendor: string, id: string): void
}

/**
 * Embedded mode's dispatch queue: the same rules as the Redis scripts (take.lua, settle.lua), kept in
 * this process. One process is the whole fleet here, so its counts are the vendor's.
 */
export function createMemoryQueue (settings: DispatchSettings, now: () => number = Date.now): MemoryQueue {
  const vendors = new Map<string, VendorState>()
  const wakes = new EventEmitter()
  let closed = false
  const stateOf = (vendor: string): VendorState => {
    let state = vendors.get(vendor)
    if (state === undefined) {
      state = createVendorState()
      vendors.set(vendor, state)
    }
    return state
  }
  const wake = (vendor: string, state: VendorState): void => {
    if (!state.sleeping) return
    state.sleeping = false
    wakes.emit('wake', vendor)
  }
  const deliver = (vendor: string, state: VendorState, entry: Entry, deliveries: number, kind: Delivery['kind'], probe: boolean, at: number): Delivery => {
    const holder = `${entry.id}#${deliveries}`
    state.pending.set(entry.id, { entry, deliveries, leaseUntil: at + settings.leaseMs })
    if (kind !== 'expire') state.inflight.set(holder, at + settings.leaseMs)
    if (kind === 'call') listJob(state, entry.jobId, 'processing', entry.createdAt)
    const delivery: Delivery = { vendor, entry: entry.id, jobId: entry.jobId, createdAt: entry.createdAt, kind, deliveries, holder, probe }
    if (entry.trace !== undefined) delivery.trace = entry.trace
    return delivery
  }

  /** While the breaker refuses calls, jobs past their vendor's maxWaitMs are handed out to be failed. */
  const expire = (limits: VendorLimits, state: VendorState, max: number, t: number, wakeAt: number): Take => {
    const deliveries: Delivery[] = []
    while (deliveries.length < max) {
      const head = state.ready[0]
      if (head === undefined || head.kind !== 'call' || head.createdAt + limits.maxWaitMs > t) break
      state.ready.shift()
      deliveries.push(deliver(limits.name, state, head, 1, 'expire', false, t))
    }
    return { deliveries, blocked: 'breaker', wakeAt }
  }

  return {
    kind: 'memory',
    claims: false,
    async enqueue (vendor, jobs) {
      if (closed) throw new Error('queue is closed')
      const state = stateOf(vendor)
      for (const job of jobs) {
        const entry = { jobId: job.id, kind: 'call' as const, createdAt: job.createdAt, ...(job.trace === undefined ? {} : { trace: job.trace }) }
        if (job.at !== undefined) {
          state.schedule(entry, job.at)
          continue
        }
        state.unschedule(job.id, 'call')
        state.ready.push({ id: state.nextId(), ...entry })
        listJob(state, job.id, 'pending', job.createdAt)
      }
      wake(vendor, state)
    },
    async take (limits, max, { reclaim }) {
      const t = now()
      const state = stateOf(limits.name)
      for (const [holder, until] of state.inflight) if (until <= t) state.inflight.delete(holder)
      if (state.hold !== undefined) {
        state.sleeping = true
        return { deliveries: [], blocked: 'paused' }
      }
      if (state.pausedUntil > t) return { deliveries: [], blocked: 'paused', wakeAt: state.pausedUntil }
      promoteDue(state, t)
      const breaker = breakerRoom(state.breaker, limits.breaker, t)
      if (breaker.room === 0) return expire(limits, state, max, t, breaker.nextAt)

      let room = max
      let blocked: Blocked | undefined
      let wakeAt: number | undefined
      const limit = (n: number, why: Blocked, at?: number): void => {
        if (n >= room) return
        room = n
        blocked = why
        wakeAt = at
      }
      limit(breaker.room, 'breaker', breaker.nextAt)
      limit(limits.concurrency - state.inflight.size, 'concurrency')
      limits.quotas.forEach((quota, i) => {
        const times = state.quotaTimes[i] ?? []
        state.quotaTimes[i] = times
        const { room: free, nextAt } = quotaRoom(times, t, quota.limit, quota.windowMs, settings.marginMs)
        times.splice(0, times.length - Math.min(times.length, quota.limit))
        limit(free, 'quota', nextAt)
      })
      const { rateLimit } = limits
      const tokens = grantTokens(state.tat, t, rateLimit.perSecond, rateLimit.burst, settings.marginMs, room)
      limit(tokens.granted, 'rate', tokens.nextAt)
      if (room <= 0) {
        if (blocked === 'concurrency') state.sleeping = true
        return { deliveries: [], blocked, wakeAt }
      }

      const deliveries: Delivery[] = []
      const probe = Number.isFinite(breaker.room)
      if (reclaim) {
        for (const held of state.pending.values()) {
          if (deliveries.length >= room) break
          if (held.leaseUntil > t) continue
          deliveries.push(deliver(limits.name, state, held.entry, held.deliveries + 1, held.entry.kind, probe, t))
        }
      }
      while (deliveries.length < room) {
        const entry = state.ready.shift()
        if (entry === undefined) break
        deliveries.push(deliver(limits.name, state, entry, 1, entry.kind, probe, t))
      }
      state.tat = grantTokens(state.tat, t, rateLimit.perSecond, rateLimit.burst, settings.marginMs, deliveries.length).tat
      if (probe) takeProbes(state.breaker, deliveries.length)
      limits.quotas.forEach((_quota, i) => { for (const _d of deliveries) state.quotaTimes[i]?.push(t) })
      if (deliveries.length < room) {
        state.sleeping = true
        return { deliveries, blocked: 'empty', wakeAt: state.delayed[0]?.at }
      }
      if (blocked === 'concurrency') state.sleeping = true
      return { deliveries, blocked, wakeAt }
    },
    async renew (vendor, deliveries) {
      const t = now()
      const state = stateOf(vendor)
      return deliveries.filter((d) => {
        const held = state.pending.get(d.entry)
        if (held?.deliveries !== d.deliveries) return true
        held.leaseUntil = t + settings.leaseMs
        state.inflight.set(d.holder, t + settings.leaseMs)
        return false
      })
    },
    async settle (limits, settlements: Settlement[]) {
      const t = now()
      const vendor = limits.name
      const state = stateOf(vendor)
      for (const s of settlements) {
        const { delivery: d } = s
        const held = state.pending.get(d.entry)
        if (held?.deliveries === d.deliveries) {
          state.pending.delete(d.entry)
          if (s.deadLetter !== undefined) {
            state.deadLetters.push({ jobId: d.jobId, reason: s.deadLetter, deliveries: d.deliveries })
            if (state.deadLetters.length > DEAD_LETTERS_KEPT) state.deadLetters.shift()
          }
        }
        state.inflight.delete(d.holder)
        if (s.outcome !== undefined) recordOutcome(state.breaker, limits.breaker, s.outcome, d.probe, t)
        if (s.pauseUntil !== undefined && s.pauseUntil > state.pausedUntil) state.pausedUntil = s.pauseUntil
        if (s.next !== undefined) state.schedule({ jobId: d.jobId, kind: s.next.kind, createdAt: d.createdAt, ...(d.trace === undefined ? {} : { trace: d.trace }) }, s.next.at)
        if (s.deadline !== undefined) state.deadlines.set(d.jobId, s.deadline)
        if (s.status !== undefined) listJob(state, d.jobId, s.status, d.createdAt)
        if (s.status === 'complete' || s.status === 'failed') state.deadlines.delete(d.jobId)
        if (s.ref !== undefined) state.refs.set(s.ref.vendorRef, d.jobId)
      }
      wake(vendor, state)
      // Jobs are the store's to settle here: no settlement carries a change.
      return settlements.map(() => true)
    },
    async reindex (vendor, jobs) {
      const state = stateOf(vendor)
      for (const job of jobs) {
        listJob(state, job.id, job.status, job.createdAt)
        if (job.status === 'complete' || job.status === 'failed') state.deadlines.delete(job.id)
      }
    },
    async watchDeadlines (vendor, jobs) {
      const state = stateOf(vendor)
      for (const { id, at } of jobs) state.deadlines.set(id, at)
    },
    async coverage (vendor, jobs) {
      const state = stateOf(vendor)
      const queued = new Set([...state.ready, ...[...state.pending.values()].map((held) => held.entry)].map((entry) => entry.jobId))
      const delayed = new Set(state.delayed.map((d) => d.key))
      return jobs.map(({ id }) => ({
        entry: queued.has(id),
        retry: delayed.has(`call|${id}`),
        poll: delayed.has(`poll|${id}`),
        deadline: state.deadlines.has(id)
      }))
    },
    forget (vendor, id) {
      const state = stateOf(vendor)
      state.index.delete(id)
      state.deadlines.delete(id)
    },
    async dueDeadlines (vendor, t, max, leaseMs) {
      const state = stateOf(vendor)
      const due: string[] = []
      for (const [id, at] of state.deadlines) {
        if (due.length >= max) break
        if (at > t) continue
        state.deadlines.set(id, t + leaseMs)
        due.push(id)
      }
      return due
    },
    async clearDeadlines (vendor, ids) {
      const state = stateOf(vendor)
      for (const id of ids) state.deadlines.delete(id)
    },
    async snapshot (limits) {
      const t = now()
      const state = stateOf(limits.name)
      const { rateLimit } = limits
      const head = state.ready[0]
      const snapshot: VendorSnapshot = {
        ready: state.ready.length,
        delayed: state.delayed.length,
        delivered: state.pending.size,
        slotsInUse: [...state.inflight.values()].filter((until) => until > t).length,
        tokens: grantTokens(state.tat, t, rateLimit.perSecond, rateLimit.burst, settings.marginMs, rateLimit.burst).granted,
        breaker: state.breaker.openUntil === undefined ? 'closed' : t < state.breaker.openUntil ? 'open' : 'half-open',
        counts: { ...state.index.counts }
      }
      if (head !== undefined) snapshot.oldestReadyAt = entryTime(head.id)
      if (state.pausedUntil > t) snapshot.pausedUntil = state.pausedUntil
      if (state.hold !== undefined) snapshot.hold = { ...state.hold }
      if (state.breaker.openUntil !== undefined) snapshot.openUntil = state.breaker.openUntil
      return snapshot
    },
    async hold (vendor, reason) {
      const state = stateOf(vendor)
      state.hold ??= { since: now(), ...(reason === undefined ? {} : { reason }) }
    },
    async resume (vendor) {
      const state = stateOf(vendor)
      const held = state.hold !== undefined
      delete state.hold
      wake(vendor, state)
      return held
    },
    async trimIndexes (vendor, before, keep) {
      return stateOf(vendor).index.trim(before, keep)
    },
    async jobOfRef (vendor, vendorRef) {
      return stateOf(vendor).refs.get(vendorRef)
    },
    onWake (listener) {
      wakes.on('wake', listener)
      return () => wakes.off('wake', listener)
    },
    async ping () {
      if (closed) throw new Error('queue is closed')
    },
    async close () {
      closed = true
      wakes.removeAllListeners()
    }
  }
}
