import { Agent } from 'undici'
import type { Job, Notify } from '../job.js'
import { jobLog, type Log } from '../log.js'
import type { JobStore } from '../store.js'
import { deliver, messageId, NOTIFY_TIMEOUT_MS, notifyEvent } from './delivery.js'
import { type Outbox, recheckAt } from './outbox.js'
import { notifyUrlProblem } from './settings.js'

export interface NotifierDeps {
  store: JobStore
  outbox: Outbox
  /** The teams whose outboxes are read. */
  teams: () => readonly string[]
  /** A team's signing secret and allowed hosts, as configured now. */
  settings: (team: string) => { secret?: string, allowedHosts: readonly string[] } | undefined
  /** The job as GET /jobs/{id} shows it: the webhook's data. */
  view: (job: Job) => unknown
  /** After each failed try, in turn, the wait until the next; once all are spent the webhook failed for good. */
  retryDelaysMs: readonly number[]
  log: Log
  /** How long a leased delivery is this notifier's: past it, another takes it over. A try gets at most half of it. */
  leaseMs?: number
  /** Tries on the wire at once, all receivers together. */
  maxInFlight?: number
  /** Tries on the wire at once to one receiver (an origin): a slow one holds no more than these. */
  perEndpoint?: number
}

export interface Notifier {
  stop (): Promise<void>
}

/** How long a notifier holds a webhook it took unless told otherwise (NOTIFY_LEASE_MS). */
export const NOTIFY_LEASE_MS = 60_000
const MAX_IN_FLIGHT = 64
const PER_ENDPOINT = 4
/** The longest a notifier sleeps: other processes' retries and entries come due without waking it. */
const IDLE_MS = 5_000
/** A delivery whose receiver has its tries at once and as many waiting already is put back this long. */
const BUSY_MS = 1_000

/**
 * Sends completion webhooks: leases due deliveries from each team's outbox, reads each job, and sends
 * those that ended, one try per lease; records the try on the job (compare-and-set: a replay or a resend
 * meanwhile wins), then schedules the next try or drops the delivery. A notifier that dies mid-try leaves
 * its lease to run out, and another sends the webhook again with the same webhook-id: at least once.
 */
export function startNotifier (deps: NotifierDeps): Notifier {
  const { store, outbox, log } = deps
  const leaseMs = deps.leaseMs ?? NOTIFY_LEASE_MS
  // A try ends well within its lease: no other notifier sends the same webhook while it is on the wire.
  const tryMs = Math.min(NOTIFY_TIMEOUT_MS, Math.floor(leaseMs / 2))
  const maxInFlight = deps.maxInFlight ?? MAX_IN_FLIGHT
  const perEndpoint = deps.perEndpoint ?? PER_ENDPOINT
  // No redirect is followed (undici follows none unless told), and a receiver gets as many connections as tries.
  const agent = new Agent({ connections: perEndpoint })
  const abort = new AbortController()
  /** Per receiver: its tries on the wire, and the deliveries waiting for one of them to end. */
  const receivers = new Map<string, { tries: number, waiting: Array<() => void> }>()
  const running = new Set<Promise<void>>()
  let stopped = false
  /** The last pass stopped for want of room: a try that ends makes some. */
  let full = false
  let woken = false
  let endSleep: (() => void) | undefined
  let sleepUntil = Number.POSITIVE_INFINITY
  let timer: NodeJS.Timeout | undefined
  /** The earliest delivery this notifier itself put off since its last pass. */
  let soonest = Number.POSITIVE_INFINITY
  const wake = (): void => {
    woken = true
    endSleep?.()
  }
  const unsubscribe = outbox.onDue(wake)
  /** Puts a delivery back for `at`, and makes sure this notifier looks again by then. */
  const putOff = async (team: string, id: string, at: number): Promise<void> => {
    await outbox.schedule(team, [{ id, at }])
    soonest = Math.min(soonest, at)
    if (endSleep !== undefined && at < sleepUntil) {
      clearTimeout(timer)
      sleepUntil = at
      timer = setTimeout(endSleep, Math.max(0, at - Date.now()))
    }
  }

  const recorded = async (team: string, job: Job, notify: Notify, next: Notify): Promise<void> => {
    if (!await store.recordNotify(job.id, notify, next)) {
      // Replayed or resent meanwhile: looked at again at once, as it now stands.
      await putOff(team, job.id, Date.now())
      return
    }
    if (next.status === 'pending' && next.due !== undefined) await putOff(team, job.id, next.due)
    else await outbox.drop(team, job.id)
  }

  const send = async (team: string, job: Job, notify: Notify): Promise<void> => {
    const settings = deps.settings(team)
    const problem = settings?.secret === undefined
      ? `no completion webhook secret is configured for team ${team}`
      : notifyUrlProblem(notify.url, settings.allowedHosts)
    const attempts = notify.attempts + 1
    if (problem !== undefined || settings?.secret === undefined) {
      await recorded(team, job, notify, { url: notify.url, status: 'failed', attempts, lastError: `not sent: ${problem}` })
      return
    }
    const body = JSON.stringify(notifyEvent(job, deps.view(job)))
    const outcome = await deliver(agent, notify.url, settings.secret, messageId(job), body, abort.signal, tryMs)
    // Stopping: the lease is given back, and another notifier (or this one, once started again) sends it.
    if (abort.signal.aborted) {
      await outbox.schedule(team, [{ id: job.id, at: Date.now() }])
      return
    }
    const log = jobLog(deps.log, job.id, job.vendor)
    if (outcome.ok) {
      log.info({ attempts }, 'completion webhook delivered')
      await recorded(team, job, notify, { url: notify.url, status: 'delivered', attempts })
      return
    }
    const delay = deps.retryDelaysMs[notify.attempts]
    if (delay === undefined) log.warn({ attempts, err: outcome.error }, 'completion webhook failed for good')
    await recorded(team, job, notify, delay === undefined
      ? { url: notify.url, status: 'failed', attempts, lastError: outcome.error }
      : { url: notify.url, status: 'pending', attempts, lastError: outcome.error, due: Date.now() + delay })
  }

  /** One leased delivery: whatever its job says of it now decides. */
  const handle = async (team: string, id: string): Promise<void> => {
    const now = Date.now()
    const job = await store.get(id)
    const notify = job?.notify
    if (job === null || notify === undefined || notify.status !== 'pending') return outbox.drop(team, id)
    if (job.endedAt === undefined) return putOff(team, id, recheckAt(now, job.createdAt))
    const due = notify.due ?? job.endedAt
    if (due > now) return putOff(team, id, due)
    const endpoint = URL.canParse(notify.url) ? new URL(notify.url).origin : notify.url
    let receiver = receivers.get(endpoint)
    if (receiver === undefined) {
      receiver = { tries: 0, waiting: [] }
      receivers.set(endpoint, receiver)
    }
    if (receiver.tries >= perEndpoint) {
      // A few wait here for a try of theirs to end, well within their lease; the rest go back to the outbox.
      if (receiver.waiting.length >= perEndpoint * 2) return putOff(team, id, now + BUSY_MS)
      await new Promise<void>((resolve) => receiver.waiting.push(resolve))
    }
    receiver.tries++
    try {
      await send(team, job, notify)
    } finally {
      receiver.tries--
      const next = receiver.waiting.shift()
      if (next !== undefined) next()
      else if (receiver.tries === 0) receivers.delete(endpoint)
    }
  }

  const spawn = (team: string, id: string): void => {
    const task = handle(team, id)
      .catch((err: unknown) => log.error({ err, requestId: id }, 'completion webhook could not be handled; its lease runs out and it is tried again'))
      .finally(() => {
        running.delete(task)
        if (full) wake()
      })
    running.add(task)
  }

  /** Leases what each team has due, as far as there is room; answers when to look again. */
  const pass = async (): Promise<number> => {
    let next = Date.now() + IDLE_MS
    full = false
    for (const team of deps.teams()) {
      for (;;) {
        const room = maxInFlight - running.size
        if (room <= 0 || stopped) {
          // Woken by the next try that ends.
          full = true
          return Date.now() + IDLE_MS
        }
        const leased = await outbox.lease(team, Date.now(), room, leaseMs)
        for (const id of leased.ids) spawn(team, id)
        if (leased.next !== undefined) next = Math.min(next, leased.next)
        if (leased.ids.length < room) break
      }
    }
    return next
  }

  const loop = (async () => {
    while (!stopped) {
      woken = false
      let next: number
      try {
        next = await pass()
      } catch (err) {
        log.error({ err }, 'cannot read the outbox; trying again shortly')
        next = Date.now() + BUSY_MS
      }
      next = Math.min(next, soonest)
      soonest = Number.POSITIVE_INFINITY
      if (stopped || woken) continue
      await new Promise<void>((resolve) => {
        endSleep = resolve
        sleepUntil = next
        timer = setTimeout(resolve, Math.max(0, next - Date.now()))
      })
      clearTimeout(timer)
      endSleep = undefined
      sleepUntil = Number.POSITIVE_INFINITY
    }
  })()

  return {
    async stop () {
      stopped = true
      unsubscribe()
      abort.abort()
      wake()
      await loop
      await Promise.allSettled([...running])
      await agent.close()
    }
  }
}
