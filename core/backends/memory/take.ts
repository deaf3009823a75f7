import { breakerRoom, takeProbes } from '../../dispatch/breaker.js'
import { turn } from '../../dispatch/fair.js'
import { bucketOf, departureWindow, grantTokens, quotaLeave, quotaMargin, quotaRoom, slotOf } from '../../dispatch/limits.js'
import type { Blocked, Delivery, DispatchSettings, Take, VendorLimits } from '../../dispatch/queue.js'
import type { SpendBook } from './spend.js'
import { countCall, type Entry, listJob, promoteDue, type VendorState } from './vendor-state.js'

type Quotas = ReadonlyArray<{ limit: number, windowMs: number }>

/** Room left in these quotas now (their grant times in `times`, one array per quota), and when one more fits when none does. */
function roomIn (quotas: Quotas, times: number[][], now: number, marginMs: number): { room: number, nextAt: number } {
  let room = Number.POSITIVE_INFINITY
  let nextAt = now
  quotas.forEach((quota, i) => {
    const counted = times[i] ?? []
    times[i] = counted
    const free = quotaRoom(counted, now, quota.limit, quota.windowMs, quotaMargin(quota.windowMs, marginMs))
    counted.splice(0, counted.length - Math.min(counted.length, quota.limit))
    room = Math.min(room, free.room)
    nextAt = Math.max(nextAt, free.nextAt)
  })
  return { room, nextAt }
}

/** Counts a call in quotas' windows at `at`, keeping each window's times in order, as a sorted set would. */
function stamp (times: number[][], at: number): void {
  for (const counted of times) {
    counted.push(at)
    if ((counted.at(-2) ?? at) > at) counted.sort((a, b) => a - b)
  }
}

/** The team with the lowest pass (ties by name), and the next one's pass. */
function lowest (teams: Map<string, number>): { team: string, pass: number, next?: number } | undefined {
  const sorted = [...teams].sort(([a, p], [b, q]) => p - q || (a < b ? -1 : a > b ? 1 : 0))
  const [first, second] = sorted
  if (first === undefined) return undefined
  return { team: first[0], pass: first[1], ...(second === undefined ? {} : { next: second[1] }) }
}

/**
 * take.lua's rules over one vendor's state in memory: the same grants, the same share between teams,
 * the same expiries. `deliver` hands an entry out (a lease, a slot when it makes a call).
 */
export function takeFrom (
  state: VendorState,
  limits: VendorLimits,
  max: number,
  reclaim: boolean,
  t: number,
  settings: DispatchSettings,
  deliver: (entry: Entry, deliveries: number, kind: Delivery['kind'], probe: boolean) => Delivery,
  book: SpendBook
): Take {
  for (const [holder, until] of state.inflight) if (until <= t) state.inflight.delete(holder)
  if (state.hold !== undefined) {
    state.sleeping = true
    return { deliveries: [], blocked: 'paused' }
  }
  if (state.pausedUntil > t) return { deliveries: [], blocked: 'paused', wakeAt: state.pausedUntil }
  promoteDue(state, t)

  const deliveries: Delivery[] = []
  /** Waiting calls of jobs that cannot be called before `until` and would wait past maxWaitMs by then go out as `kind`. */
  const expireFrom = (teams: string[], until: number, kind: 'expire' | 'quota', room: number): void => {
    for (const team of teams) {
      const list = state.ready.get(team) ?? []
      for (let head = list[0]; head !== undefined && deliveries.length < room; head = list[0]) {
        if (head.kind !== 'call' || head.createdAt + limits.maxWaitMs > until) break
        list.shift()
        deliveries.push(deliver(head, 1, kind, false))
      }
      const pass = state.teams.get(team)
      if (pass !== undefined && list.length === 0) {
        state.teams.delete(team)
        state.passes.set(team, pass)
      }
    }
  }

  const breaker = breakerRoom(state.breaker, limits.breaker, t)
  if (breaker.room === 0) {
    expireFrom([...state.teams.keys(), ...state.parked.keys()], t, 'expire', max)
    return { deliveries, blocked: 'breaker', wakeAt: breaker.nextAt }
  }

  let room = max
  let blocked: Blocked | undefined
  let wakeAt: number | undefined
  const limit = (n: number, why: Blocked, at?: number): void => {
    if (n >= room) return
    room = n
    blocked = why
    // Whole ms, as take.lua answers: a take woken a fraction early would find nothing yet.
    wakeAt = at === undefined ? undefined : Math.ceil(at)
  }
  limit(breaker.room, 'breaker', breaker.nextAt)
  limit(limits.concurrency - state.inflight.size, 'concurrency')
  const vendorRoom = roomIn(limits.quotas, state.quotaTimes, t, settings.marginMs)
  limit(vendorRoom.room, 'quota', vendorRoom.nextAt)
  const bucket = bucketOf(limits.rateLimit, settings.marginMs)
  const tokens = grantTokens(state.tat, t, bucket, room)
  limit(tokens.granted, 'rate', tokens.nextAt)
  if (room <= 0) {
    if (blocked === 'concurrency') state.sleeping = true
    return { deliveries: [], blocked, wakeAt }
  }

  const probe = Number.isFinite(breaker.room)
  if (reclaim) {
    for (const held of state.pending.values()) {
      if (deliveries.length >= room) break
      if (held.leaseUntil > t) continue
      deliveries.push(deliver(held.entry, held.deliveries + 1, held.kind, probe))
    }
  }
  // Each turn goes to the ready team with the lowest pass, for as many calls as keep it from passing the next.
  // A team whose quota this take used up sits out the rest of it; one whose quota was used up before is parked.
  const takenBy = new Map<string, number>()
  const sittingOut = new Map<string, number>()
  // Deliveries of teams over their budget take no grant: they use none of the room, only the worker's places.
  let ungranted = 0
  for (let next = lowest(state.teams); next !== undefined && deliveries.length - ungranted < room && deliveries.length < max; next = lowest(state.teams)) {
    const { team, pass } = next
    const list = state.ready.get(team) ?? []
    const want = Math.min(room - (deliveries.length - ungranted), max - deliveries.length)
    const quotas = limits.teamQuotas?.get(team)
    const times = state.teamQuotaTimes.get(team) ?? []
    state.teamQuotaTimes.set(team, times)
    const own = quotas === undefined ? { room: Number.POSITIVE_INFINITY, nextAt: t } : roomIn(quotas, times, t, settings.marginMs)
    own.room -= takenBy.get(team) ?? 0
    const affordable = book.afford(limits, team, t) - (takenBy.get(team) ?? 0)
    if (affordable <= 0 && !takenBy.has(team)) {
      // Its budget cannot pay one more call: its waiting jobs fail without one (the worker fails them).
      // They take no grant, so the other teams' turns go on in the same take.
      const failed = list.splice(0, want)
      for (const head of failed) deliveries.push(deliver(head, 1, 'budget', false))
      ungranted += failed.length
      state.teams.delete(team)
      if (list.length === 0) state.passes.set(team, pass)
      else sittingOut.set(team, pass)
      continue
    }
    own.room = Math.min(own.room, affordable)
    if (own.room <= 0 && takenBy.has(team)) {
      state.teams.delete(team)
      sittingOut.set(team, pass)
      continue
    }
    if (own.room <= 0) {
      // Over its own quota: parked until it has room again, its jobs that cannot wait that long failed.
      state.teams.delete(team)
      state.passes.set(team, pass)
      expireFrom([team], own.nextAt, 'quota', deliveries.length + want)
      if (list.length > 0) state.parked.set(team, own.nextAt)
      continue
    }
    const weight = settings.weightOf?.(team) ?? 1
    const taken = list.splice(0, Math.min(turn(pass, weight, next.next, want), own.room))
    if (taken.length === 0) {
      state.teams.delete(team)
      continue
    }
    for (const entry of taken) deliveries.push(deliver(entry, 1, entry.kind, probe))
    takenBy.set(team, (takenBy.get(team) ?? 0) + taken.length)
    const moved = pass + taken.length / weight
    // The lowest pass of the teams ready now, as take.lua keeps it: a newcomer joins there, not at a
    // small-weight team's moved pass, which may be far ahead of everyone's.
    state.vtime = Math.max(state.vtime, Math.min(moved, next.next ?? moved))
    if (list.length === 0) {
      state.teams.delete(team)
      state.passes.set(team, moved)
    } else {
      state.teams.set(team, moved)
    }
  }

  for (const [team, pass] of sittingOut) state.teams.set(team, pass)

  const calls = deliveries.filter((d) => d.kind === 'call' || d.kind === 'poll')
  const granted = grantTokens(state.tat, t, bucket, calls.length)
  if (calls.length > 0) state.tat = granted.tat
  calls.forEach((d, i) => {
    d.leave = departureWindow(bucket, granted.from, i, t, quotaLeave(settings.marginMs, limits.quotas, limits.teamQuotas?.get(d.team)))
    d.slot = slotOf(bucket, granted.from, i)
    // Quotas count a call at the earliest it may leave, as take.lua does.
    const stampedAt = t + d.leave.after
    const held = state.pending.get(d.entry)
    if (held !== undefined) held.stampedAt = stampedAt
    stamp(state.quotaTimes, stampedAt)
    stamp(state.teamQuotaTimes.get(d.team) ?? [], stampedAt)
    // A first delivery reserves what the call may cost; a takeover's reservation was its first holder's.
    const reserve = limits.reserve ?? 0
    if (reserve > 0 && d.deliveries === 1) {
      book.record(limits, d.team, reserve, t)
      d.reserved = { micros: reserve, at: t }
    }
    if (d.kind === 'call') listJob(state, d.jobId, 'processing', d.createdAt)
    countCall(state, d.team, d.slot, 1)
  })
  if (probe) takeProbes(state.breaker, calls.length)
  if (deliveries.length < room) {
    state.sleeping = true
    const soonest = Math.min(state.delayed[0]?.at ?? Number.POSITIVE_INFINITY, ...state.parked.values())
    return { deliveries, blocked: 'empty', ...(Number.isFinite(soonest) ? { wakeAt: Math.ceil(soonest) } : {}) }
  }
  if (blocked === 'concurrency') state.sleeping = true
  return { deliveries, blocked, wakeAt }
}
