import { CallStop } from '../../vendors/stop.js'
import { jobLog, type Log } from '../log.js'
import { tracedDelivery } from '../tracing.js'
import { type DispatchObserver, NO_OBSERVER, observeEnd } from './observer.js'
import { type Delivery, type DispatchQueue, LeaseLostError, type Settlement, type VendorLimits } from './queue.js'
import { createSettler } from './settler.js'
import { fromMicros } from './spend.js'

export interface DispatcherOptions {
  queue: DispatchQueue
  vendors: VendorLimits[]
  /** Runs one delivery to its end; stopped when its lease is lost, or when the worker stops and its grace is over. */
  run (delivery: Delivery, stop: CallStop): Promise<Settlement>
  leaseMs: number
  /** Calls in flight from this process, all vendors together. */
  maxInFlight: number
  log: Log
  observer?: DispatchObserver
  /** Connections to the vendor that its next calls can use at once, without opening one. */
  ready? (vendor: string): number
  /** Opens connections to the vendor ahead of its calls, until it has `n` in all; resolves once they are open. */
  warm? (vendor: string, n: number): Promise<void>
}

export interface Dispatcher {
  readonly inFlight: number
  /** Stops taking work, lets calls on the wire finish for `graceMs`, aborts the rest and settles everything. */
  stop (graceMs: number): Promise<void>
}

/** Resolves once performance.now() reaches `at`: a timer may fire early by the age of the loop's clock. */
async function waitUntil (at: number): Promise<void> {
  for (let left = at - performance.now(); left > 0; left = at - performance.now()) {
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(left)))
  }
}

/** The most deliveries one take asks for: a vendor's turn, before the next vendor's. */
const BATCH = 64
/** How often a vendor with nothing to grant is asked again when no wake-up came. */
const IDLE_POLL_MS = 1_000
const OUTAGE_PAUSE_MS = 500

interface Lane {
  limits: VendorLimits
  active: Map<string, { delivery: Delivery, stop: CallStop }>
  /** When to ask this vendor again; Infinity: when one of its calls here ends. */
  readyAt: number
  lastReclaim: number
  /** Wake-ups received: one that came while a take was on its way makes its "nothing now" stale. */
  wakes: number
}

/**
 * A worker's dispatch loop: serves the vendors with ready work round-robin, one take each per turn, and
 * sleeps until the earliest moment one of them may grant again (or until woken). Each delivery runs at
 * once, its lease renewed while its call is on the wire; outcomes are settled in batches per vendor.
 */
export function startDispatcher (opts: DispatcherOptions): Dispatcher {
  const { queue, log, leaseMs } = opts
  const observer = opts.observer ?? NO_OBSERVER
  const lanes = opts.vendors.map((limits): Lane => ({ limits, active: new Map(), readyAt: 0, lastReclaim: 0, wakes: 0 }))
  const byName = new Map(lanes.map((lane) => [lane.limits.name, lane]))
  const settler = createSettler(queue, log, leaseMs)
  const tasks = new Set<Promise<void>>()
  let inFlight = 0
  let stopping = false
  let failing = false
  let turn = 0
  let interrupt: (() => void) | undefined
  const poke = (): void => {
    interrupt?.()
    interrupt = undefined
  }
  const offWake = queue.onWake((vendor) => {
    const lane = byName.get(vendor)
    if (lane === undefined) return
    lane.wakes++
    if (lane.readyAt > 0) {
      lane.readyAt = 0
      poke()
    }
  })

  /** `notBefore`: the call may not leave before then (performance.now()); its delivery holds its place meanwhile. */
  const start = (lane: Lane, delivery: Delivery, takenAt: number, notBefore: number): void => {
    const stop = new CallStop()
    lane.active.set(delivery.holder, { delivery, stop })
    inFlight++
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      lane.active.delete(delivery.holder)
      inFlight--
      // A place in this process is free: every lane that found none (this one, or another vendor's whose
      // take this process's calls crowded out) may take again; one still full finds out at once.
      for (const waiting of lanes) if (waiting.readyAt === Number.POSITIVE_INFINITY) waiting.readyAt = 0
      poke()
    }
    // A first delivery's wait is the queue's; a takeover's is the dead holder's lease.
    if (delivery.deliveries === 1) observer.waited(delivery.vendor, Math.max(0, takenAt - delivery.queuedAt) / 1000)
    const call = (): Promise<Settlement> => opts.run(delivery, stop)
    // One async function per delivery, not a chain of handlers: a worker starts thousands a second.
    let task!: Promise<void>
    task = (async () => {
      try {
        const settlement = await tracedDelivery(delivery, takenAt, notBefore > performance.now() ? async () => { await waitUntil(notBefore); return call() } : call)
        const { sent, applied } = settler.add(lane.limits, settlement)
        // Its place frees once its settlement is sent: the next take follows it on the same connection, so
        // it sees the slot the settlement releases, without waiting a round trip for its answer.
        await sent
        release()
        // Paid whether or not its job change applied: the vendor was called all the same.
        if (settlement.spent !== undefined && settlement.spent > 0) observer.spent(delivery.vendor, delivery.team, fromMicros(settlement.spent))
        // Counted once the job's change is known to have applied: a fenced delivery's end is another's.
        if (!await applied || settlement.caughtUp === true) return
        observeEnd(observer, delivery.vendor, settlement.status, delivery.createdAt, delivery.team)
        if (settlement.status === 'complete') jobLog(log, delivery.jobId, delivery.vendor).info({}, 'job complete')
      } catch (err) {
        // Not settled: the entry's lease runs out and a worker takes it over.
        jobLog(log, delivery.jobId, delivery.vendor).error({ err }, 'delivery failed; it will be taken over once its lease expires')
      } finally {
        release()
        tasks.delete(task)
      }
    })()
    tasks.add(task)
  }

  const serve = async (lane: Lane, now: number): Promise<boolean> => {
    const room = Math.min(lane.limits.concurrency - lane.active.size, opts.maxInFlight - inFlight, BATCH)
    if (room <= 0) {
      lane.readyAt = Number.POSITIVE_INFINITY
      return false
    }
    const reclaim = now - lane.lastReclaim >= leaseMs / 4
    if (reclaim) lane.lastReclaim = now
    const name = lane.limits.name
    // A call on a new connection leaves late, so no more is granted than open connections can carry at
    // once (at least one, to learn whether the vendor has work at all).
    const max = Math.min(room, Math.max(1, opts.ready?.(name) ?? room))
    const wakes = lane.wakes
    const askedAt = performance.now()
    const take = await queue.take(lane.limits, max, { reclaim })
    const answeredAt = performance.now()
    const takenAt = Date.now()
    for (const delivery of take.deliveries) {
      // The grant was made between the asking and the answer: the window is kept from whichever end is safe.
      if (delivery.leave !== undefined) {
        delivery.grantedAt = askedAt
        delivery.departBy = askedAt + delivery.leave.within
      }
      start(lane, delivery, takenAt, delivery.leave === undefined ? 0 : answeredAt + delivery.leave.after)
    }
    if (take.blocked === undefined || lane.wakes !== wakes) lane.readyAt = 0
    else if (take.blocked === 'empty' || take.blocked === 'concurrency') lane.readyAt = Math.min(take.wakeAt ?? Number.POSITIVE_INFINITY, now + IDLE_POLL_MS)
    else lane.readyAt = take.wakeAt ?? now + IDLE_POLL_MS
    // A vendor with work is kept warm for what it may grant next; a take cut short by cold connections
    // is asked again once they are open.
    if (opts.warm !== undefined && (take.deliveries.length > 0 || (take.blocked !== undefined && take.blocked !== 'empty'))) {
      const short = max < room && take.deliveries.length === max
      if (short) lane.readyAt = Number.POSITIVE_INFINITY
      // Enough for the calls on the wire and all the next take may add.
      opts.warm(name, lane.active.size + room).catch(() => {}).finally(() => {
        if (short && lane.readyAt === Number.POSITIVE_INFINITY) {
          lane.readyAt = 0
          poke()
        }
      })
    }
    return take.deliveries.length > 0
  }

  const loop = async (): Promise<void> => {
    while (!stopping) {
      const now = Date.now()
      let progressed = false
      for (let i = 0; i < lanes.length && !stopping; i++) {
        const lane = lanes[(turn + i) % lanes.length] as Lane
        if (lane.readyAt > now) continue
        try {
          progressed = await serve(lane, now) || progressed
          if (failing) log.info({}, 'job queues readable again')
          failing = false
        } catch (err) {
          if (!failing) log.warn({ err }, 'cannot take work from the job queues; retrying')
          failing = true
          lane.readyAt = now + OUTAGE_PAUSE_MS
        }
      }
      turn = (turn + 1) % Math.max(1, lanes.length)
      if (progressed || stopping) continue
      const next = Math.min(...lanes.map((lane) => lane.readyAt))
      const wait = Math.max(0, Math.min(next, Date.now() + IDLE_POLL_MS) - Date.now())
      if (wait > 0) await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wait)
        function done (): void {
          clearTimeout(timer)
          resolve()
        }
        interrupt = done
      })
    }
  }

  const renewer = setInterval(() => {
    for (const lane of lanes) {
      const deliveries = [...lane.active.values()].map((a) => a.delivery).filter((d) => d.kind !== 'expire')
      if (deliveries.length === 0) continue
      queue.renew(lane.limits.name, deliveries)
        .then((lost) => {
          // The job is another delivery's now: this call stops, and its settlement releases only its own slot.
          for (const d of lost) {
            jobLog(log, d.jobId, d.vendor).warn({}, 'a delivery\'s lease was taken over while its call was on the wire; the call is stopped')
            observer.leaseLost(d.vendor)
            lane.active.get(d.holder)?.stop.abort(new LeaseLostError())
          }
        })
        .catch((err: unknown) => log.warn({ err, vendor: lane.limits.name }, 'cannot renew leases'))
    }
  }, Math.max(10, Math.floor(leaseMs / 3)))
  renewer.unref()
  // One connection to each vendor opened at once: a first call on a cold connection would leave late.
  for (const lane of lanes) opts.warm?.(lane.limits.name, 1).catch(() => {})
  const looping = loop()

  return {
    get inFlight () { return inFlight },
    async stop (graceMs) {
      stopping = true
      offWake()
      poke()
      await looping
      const graceful = await Promise.race([
        Promise.allSettled([...tasks]).then(() => true),
        new Promise<false>((resolve) => setTimeout(resolve, graceMs, false).unref())
      ])
      if (!graceful) {
        log.warn({ calls: inFlight }, 'grace period over: aborting the calls still on the wire and handing their jobs back')
        for (const lane of lanes) for (const { stop } of lane.active.values()) stop.abort(new Error('worker stopping'))
        await Promise.allSettled([...tasks])
      }
      clearInterval(renewer)
      await settler.flush()
    }
  }
}
