import { EventEmitter } from 'node:events'
import { isTerminal } from '../../job.js'
import { recordOutcome } from '../../dispatch/breaker.js'
import { bucketOf, quotaMargin, slotBack, tokensAvailable } from '../../dispatch/limits.js'
import { sumUsage } from '../../dispatch/usage.js'
import type { Delivery, DispatchQueue, DispatchSettings, Settlement, VendorSnapshot } from '../../dispatch/queue.js'
import { createSpendBook } from './spend.js'
import { takeFrom } from './take.js'
import { countCall, createVendorState, type Entry, forgetRefs, jobOfRef, keepRef, listJob, queueReady, readyCount, type VendorState } from './vendor-state.js'

/** A call that never left gives back its place in each quota's window, the vendor's and its team's: one call counted at its time. */
function refundQuotas (state: VendorState, team: string, stampedAt: number): void {
  for (const times of [...state.quotaTimes, ...state.teamQuotaTimes.get(team) ?? []]) {
    const at = times.lastIndexOf(stampedAt)
    if (at >= 0) times.splice(at, 1)
  }
}

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
  const book = createSpendBook()
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
  const deliverer = (vendor: string, state: VendorState, at: number) => (entry: Entry, deliveries: number, kind: Delivery['kind'], probe: boolean): Delivery => {
    const holder = `${entry.id}#${deliveries}`
    state.pending.set(entry.id, { entry, kind, deliveries, leaseUntil: at + settings.leaseMs, stampedAt: at })
    if (kind === 'call' || kind === 'poll') state.inflight.set(holder, at + settings.leaseMs)
    const delivery: Delivery = {
      vendor, entry: entry.id, jobId: entry.jobId, createdAt: entry.createdAt, team: entry.team, queuedAt: entry.queuedAt, kind, deliveries, holder, probe
    }
    if (entry.trace !== undefined) delivery.trace = entry.trace
    return delivery
  }

  return {
    kind: 'memory',
    claims: false,
    async enqueue (vendor, jobs) {
      if (closed) throw new Error('queue is closed')
      const state = stateOf(vendor)
      const t = now()
      for (const job of jobs) {
        const entry = { jobId: job.id, kind: 'call' as const, createdAt: job.createdAt, team: job.team, ...(job.trace === undefined ? {} : { trace: job.trace }) }
        if (job.at !== undefined) {
          state.schedule(entry, job.at)
          continue
        }
        state.unschedule(job.id, 'call')
        queueReady(state, { ...entry, queuedAt: t })
        listJob(state, job.id, 'pending', job.createdAt)
      }
      wake(vendor, state)
    },
    async take (limits, max, { reclaim }) {
      const t = now()
      const state = stateOf(limits.name)
      return takeFrom(state, limits, max, reclaim, t, settings, deliverer(limits.name, state, t), book)
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
        if (s.regrant === true && held !== undefined) refundQuotas(state, d.team, held.stampedAt)
        if (s.regrant === true && d.slot !== undefined) {
          state.tat = slotBack(state.tat, d.slot, bucketOf(limits.rateLimit, settings.marginMs))
          countCall(state, d.team, d.slot, -1)
        }
        if (held?.deliveries === d.deliveries) {
          state.pending.delete(d.entry)
          if (s.deadLetter !== undefined) {
            state.deadLetters.push({ jobId: d.jobId, reason: s.deadLetter, deliveries: d.deliveries })
            if (state.deadLetters.length > DEAD_LETTERS_KEPT) state.deadLetters.shift()
          }
        }
        const released = state.inflight.delete(d.holder)
        // What the call spent replaces what its take reserved, in the ledgers the reservation went to; as
        // settle.lua does, a refund comes with the slot it releases, so once.
        const spent = (s.spent ?? 0) - (d.reserved?.micros ?? 0)
        if (spent > 0 || released) book.record(limits, d.team, spent, d.reserved?.at ?? t)
        if (s.outcome !== undefined) recordOutcome(state.breaker, limits.breaker, s.outcome, d.probe, t)
        if (s.pauseUntil !== undefined && s.pauseUntil > state.pausedUntil) state.pausedUntil = s.pauseUntil
        const next = { jobId: d.jobId, createdAt: d.createdAt, team: d.team, ...(d.trace === undefined ? {} : { trace: d.trace }) }
        // A call that never left goes back to the front of its team's list, due at once.
        if (s.next !== undefined && s.regrant === true) queueReady(state, { ...next, kind: s.next.kind, queuedAt: t }, true)
        else if (s.next !== undefined) state.schedule({ ...next, kind: s.next.kind }, s.next.at)
        if (s.deadline !== undefined) state.deadlines.set(d.jobId, s.deadline)
        if (s.status !== undefined) listJob(state, d.jobId, s.status, d.createdAt)
        if (s.status !== undefined && isTerminal(s.status)) state.deadlines.delete(d.jobId)
        // Kept by the real clock, as Redis expires its keys by its own: `now` may be a test's.
        if (s.ref !== undefined) keepRef(state, s.ref.vendorRef, d.jobId, s.ref.until, Date.now())
      }
      if (settlements.some((s) => s.regrant === true)) state.sleeping = true
      wake(vendor, state)
      // Jobs are the store's to settle here: no settlement carries a change.
      return settlements.map(() => true)
    },
    async reindex (vendor, jobs) {
      const state = stateOf(vendor)
      for (const job of jobs) {
        listJob(state, job.id, job.status, job.createdAt)
        if (isTerminal(job.status)) state.deadlines.delete(job.id)
      }
    },
    async watchDeadlines (vendor, jobs) {
      const state = stateOf(vendor)
      for (const { id, at } of jobs) state.deadlines.set(id, at)
    },
    async coverage (vendor, jobs) {
      const state = stateOf(vendor)
      const queued = new Set([...[...state.ready.values()].flat(), ...[...state.pending.values()].map((held) => held.entry)].map((entry) => entry.jobId))
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
      forgetRefs(state, id)
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
    async spend (vendor, asks) {
      return book.spend(vendor, asks, now())
    },
    async snapshot (limits) {
      const t = now()
      const state = stateOf(limits.name)
      const heads = [...state.ready.values()].flatMap((list) => list.slice(0, 1).map((entry) => entry.queuedAt))
      const snapshot: VendorSnapshot = {
        ready: readyCount(state),
        delayed: state.delayed.length,
        delivered: state.pending.size,
        slotsInUse: [...state.inflight.values()].filter((until) => until > t).length,
        tokens: tokensAvailable(state.tat, t, bucketOf(limits.rateLimit, settings.marginMs), limits.rateLimit.burst),
        breaker: state.breaker.openUntil === undefined ? 'closed' : t < state.breaker.openUntil ? 'open' : 'half-open',
        counts: { ...state.index.counts }
      }
      if (heads.length > 0) snapshot.oldestReadyAt = Math.min(...heads)
      if (state.pausedUntil > t) snapshot.pausedUntil = state.pausedUntil
      if (state.hold !== undefined) snapshot.hold = { ...state.hold }
      if (state.breaker.openUntil !== undefined) snapshot.openUntil = state.breaker.openUntil
      return snapshot
    },
    async teamUse (vendor, teams) {
      const t = now()
      const state = stateOf(vendor)
      const counts = [...state.usage].flatMap(([bucket, byTeam]) => [...byTeam].map(([team, calls]) => ({ bucket, team, calls })))
      const { hour, recent, recentCalls } = sumUsage(counts, t)
      return {
        recentCalls,
        teams: new Map(teams.map(({ name, quotas }) => [name, {
          queued: state.ready.get(name)?.length ?? 0,
          calls: hour.get(name) ?? 0,
          recentCalls: recent.get(name) ?? 0,
          quotas: quotas.map((q, i) => {
            const since = t - q.windowMs - quotaMargin(q.windowMs, settings.marginMs)
            return (state.teamQuotaTimes.get(name)?.[i] ?? []).filter((at) => at > since).length
          })
        }]))
      }
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
      return jobOfRef(stateOf(vendor), vendorRef, Date.now())
    },
    async dropIdleConsumers () {
      return 0
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
