import { type Static, Type } from '@sinclair/typebox'

const SECOND_MS = 1000
/** Enough to see the spacing of a job's retries without keeping every arrival of a long run. */
const KEPT_TIMES = 10
/** Arrival times kept for `maxInWindow`: 8 MB, more than any test or benchmark run sends one mock. */
const KEPT_ARRIVALS = 1_000_000

/** What a mock vendor received, so that tests can check the service's behaviour from the vendor's side. */
export const StatsSnapshot = Type.Object({
  received: Type.Integer({ description: 'calls with a valid body' }),
  distinctRequests: Type.Integer({ description: 'distinct request_id values among them' }),
  maxCallsPerRequest: Type.Integer({ description: 'most calls for one request_id (1 when nothing was retried)' }),
  maxPerSecond: Type.Integer({ description: 'most calls within any sliding second' }),
  open: Type.Integer({ description: 'calls open now: arrived, and neither answered nor given up by the client' }),
  maxOpen: Type.Integer({ description: 'most calls open at once' }),
  arrivalsKept: Type.Integer({ description: 'arrival times kept for maxInWindow: those of the last this many calls' }),
  maxInWindow: Type.Optional(Type.Integer({
    description: 'with window_ms: most calls within any sliding window of that many ms (two calls exactly window_ms apart are not in one window)'
  })),
  webhooksSent: Type.Integer({ description: 'callbacks answered 2xx' }),
  webhooksRejected: Type.Integer({ description: 'callbacks answered 3xx or 4xx, which are not retried' }),
  webhooksFailed: Type.Integer({ description: 'callbacks given up after network errors or 5xx' })
})

export type StatsSnapshot = Static<typeof StatsSnapshot>

export const RequestStats = Type.Object({
  request_id: Type.String(),
  calls: Type.Integer(),
  times: Type.Array(Type.Number(), { description: `arrival times of the last ${KEPT_TIMES} calls, ms since the epoch` })
})

export type RequestStats = Static<typeof RequestStats>

type WebhookOutcome = 'sent' | 'rejected' | 'failed'

export interface MockStats {
  /** One call, arrived at `at` (the stats' clock; default now). */
  record (requestId: string, at?: number): void
  /** A call is open from now until the returned function is first called; later calls of it change nothing. */
  opened (): () => void
  webhook (outcome: WebhookOutcome): void
  /** Wall-clock arrival times (ms since the epoch) of the last calls for this request, oldest first. */
  callTimes (requestId: string): number[]
  forRequest (requestId: string): RequestStats
  /** Most arrivals within any sliding window of `ms` among the kept ones; arrivals exactly `ms` apart are not in one window. */
  maxInWindow (ms: number): number
  /** With `windowMs`, the snapshot includes `maxInWindow(windowMs)`. */
  snapshot (windowMs?: number): StatsSnapshot
  /** Clears what was received; calls still open stay counted until they close. */
  reset (): void
}

export interface MockStatsOptions {
  /** The monotonic clock of the sliding windows, injectable so that tests can place calls exactly. */
  now?: () => number
  /** How many of the latest arrival times to keep; default KEPT_ARRIVALS. */
  keptArrivals?: number
}

export function createMockStats ({ now = () => performance.now(), keptArrivals = KEPT_ARRIVALS }: MockStatsOptions = {}): MockStats {
  let received = 0
  let maxCallsPerRequest = 0
  let maxPerSecond = 0
  let open = 0
  let maxOpen = 0
  let webhooks: Record<WebhookOutcome, number> = { sent: 0, rejected: 0, failed: 0 }
  let perRequest = new Map<string, { calls: number, times: number[] }>()
  // Arrival times, oldest first, kept from index `first`; `secondStart` is the oldest within a second of the
  // newest. Both only move forward, so each arrival costs O(1) (amortised over the copies that drop the rest).
  let arrivals: number[] = []
  let first = 0
  let secondStart = 0

  const at = (i: number): number => arrivals[i] ?? Number.POSITIVE_INFINITY

  function callTimes (requestId: string): number[] {
    return [...(perRequest.get(requestId)?.times ?? [])]
  }

  /** The two-pointer sweep, over all kept arrivals: the busiest window always ends on an arrival. */
  function maxInWindow (ms: number): number {
    if (!(ms > 0)) throw new RangeError(`a window is a positive number of ms, not ${ms}`)
    let max = 0
    for (let left = first, right = first; right < arrivals.length; right++) {
      while (at(left) <= at(right) - ms) left++
      max = Math.max(max, right - left + 1)
    }
    return max
  }

  return {
    record (requestId, arrivedAt) {
      const time = arrivedAt ?? now()
      received++
      arrivals.push(time)
      if (arrivals.length - first > keptArrivals) first++
      // The same sweep as maxInWindow, as calls arrive, so that the busiest second is at hand and exact
      // over the whole run: the last second's arrivals stay in memory even when fewer are kept.
      while (at(secondStart) <= time - SECOND_MS) secondStart++
      maxPerSecond = Math.max(maxPerSecond, arrivals.length - secondStart)
      const unused = Math.min(first, secondStart)
      if (unused > 1024 && unused * 2 > arrivals.length) {
        arrivals = arrivals.slice(unused)
        first -= unused
        secondStart -= unused
      }
      const entry = perRequest.get(requestId) ?? { calls: 0, times: [] }
      entry.calls++
      entry.times.push(arrivedAt === undefined ? Date.now() : Date.now() - (now() - arrivedAt))
      if (entry.times.length > KEPT_TIMES) entry.times.shift()
      perRequest.set(requestId, entry)
      maxCallsPerRequest = Math.max(maxCallsPerRequest, entry.calls)
    },
    opened () {
      open++
      maxOpen = Math.max(maxOpen, open)
      let closed = false
      return () => {
        if (!closed) open--
        closed = true
      }
    },
    webhook (outcome) {
      webhooks[outcome]++
    },
    callTimes,
    forRequest (requestId) {
      return { request_id: requestId, calls: perRequest.get(requestId)?.calls ?? 0, times: callTimes(requestId) }
    },
    maxInWindow,
    snapshot (windowMs) {
      return {
        received,
        distinctRequests: perRequest.size,
        maxCallsPerRequest,
        maxPerSecond,
        open,
        maxOpen,
        arrivalsKept: arrivals.length - first,
        ...(windowMs === undefined ? {} : { maxInWindow: maxInWindow(windowMs) }),
        webhooksSent: webhooks.sent,
        webhooksRejected: webhooks.rejected,
        webhooksFailed: webhooks.failed
      }
    },
    reset () {
      received = 0
      maxCallsPerRequest = 0
      maxPerSecond = 0
      maxOpen = open
      webhooks = { sent: 0, rejected: 0, failed: 0 }
      perRequest = new Map()
      arrivals = []
      first = 0
      secondStart = 0
    }
  }
}
