import { type Static, Type } from '@sinclair/typebox'

const WINDOW_MS = 1000
/** Enough to see the spacing of a job's retries without keeping every arrival of a long run. */
const KEPT_TIMES = 10

/** What a mock vendor received, so that tests can check the service's behaviour from the vendor's side. */
export const StatsSnapshot = Type.Object({
  received: Type.Integer({ description: 'calls with a valid body' }),
  distinctRequests: Type.Integer({ description: 'distinct request_id values among them' }),
  maxCallsPerRequest: Type.Integer({ description: 'most calls for one request_id (1 when nothing was retried)' }),
  maxPerSecond: Type.Integer({ description: 'most calls within any sliding second' }),
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

export type WebhookOutcome = 'sent' | 'rejected' | 'failed'

export interface MockStats {
  record (requestId: string): void
  webhook (outcome: WebhookOutcome): void
  /** Wall-clock arrival times (ms since the epoch) of the last calls for this request, oldest first. */
  callTimes (requestId: string): number[]
  forRequest (requestId: string): RequestStats
  snapshot (): StatsSnapshot
  reset (): void
}

/** `now` is the monotonic clock of the sliding window, injectable so that tests can place calls exactly. */
export function createMockStats (now: () => number = () => performance.now()): MockStats {
  let received = 0
  let maxCallsPerRequest = 0
  let maxPerSecond = 0
  let webhooks: Record<WebhookOutcome, number> = { sent: 0, rejected: 0, failed: 0 }
  let perRequest = new Map<string, { calls: number, times: number[] }>()
  // Arrivals of the last second, oldest first. `head` skips expired ones so that each arrival costs O(1).
  let window: number[] = []
  let head = 0

  function callTimes (requestId: string): number[] {
    return [...(perRequest.get(requestId)?.times ?? [])]
  }

  return {
    record (requestId) {
      const at = now()
      received++
      // Checking at every arrival is exact: the busiest second always ends on an arrival.
      while ((window[head] ?? Number.POSITIVE_INFINITY) <= at - WINDOW_MS) head++
      window.push(at)
      maxPerSecond = Math.max(maxPerSecond, window.length - head)
      if (head > 1024 && head * 2 > window.length) {
        window = window.slice(head)
        head = 0
      }
      const entry = perRequest.get(requestId) ?? { calls: 0, times: [] }
      entry.calls++
      entry.times.push(Date.now())
      if (entry.times.length > KEPT_TIMES) entry.times.shift()
      perRequest.set(requestId, entry)
      maxCallsPerRequest = Math.max(maxCallsPerRequest, entry.calls)
    },
    webhook (outcome) {
      webhooks[outcome]++
    },
    callTimes,
    forRequest (requestId) {
      return { request_id: requestId, calls: perRequest.get(requestId)?.calls ?? 0, times: callTimes(requestId) }
    },
    snapshot () {
      return {
        received,
        distinctRequests: perRequest.size,
        maxCallsPerRequest,
        maxPerSecond,
        webhooksSent: webhooks.sent,
        webhooksRejected: webhooks.rejected,
        webhooksFailed: webhooks.failed
      }
    },
    reset () {
      received = 0
      maxCallsPerRequest = 0
      maxPerSecond = 0
      webhooks = { sent: 0, rejected: 0, failed: 0 }
      perRequest = new Map()
      window = []
      head = 0
    }
  }
}
