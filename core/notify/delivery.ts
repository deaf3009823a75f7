import { Webhook } from 'standardwebhooks'
import { type Dispatcher, request } from 'undici'
import { clip } from '../input/clip.js'
import type { Job } from '../job.js'
import { isoTime } from '../time.js'

/** A receiver has at most this long to answer 2xx, headers and body. */
export const NOTIFY_TIMEOUT_MS = 10_000

/** A completion webhook's body. */
export interface NotifyEvent {
  type: 'job.complete' | 'job.failed'
  /** When the job ended. */
  timestamp: string
  /** The job as GET /jobs/{id} shows it. */
  data: unknown
}

/** The webhook-id of a job's end: the same on every try, so that a receiver drops repeats; another for its next end after a replay. */
export const messageId = (job: Job): string => `msg_${job.id}_${job.endedAt ?? 0}`

export function notifyEvent (job: Job, data: unknown): NotifyEvent {
  return { type: job.status === 'complete' ? 'job.complete' : 'job.failed', timestamp: isoTime(job.endedAt ?? job.updatedAt), data }
}

/**
 * One try of a completion webhook: `POST url` with the body, signed as Standard Webhooks (webhook-id,
 * webhook-timestamp, webhook-signature) by `secret`. Delivered only by a 2xx within `timeoutMs`; a
 * redirect is an answer like any other (undici follows none), never followed.
 */
export async function deliver (dispatcher: Dispatcher, url: string, secret: string, id: string, body: string, signal: AbortSignal, timeoutMs = NOTIFY_TIMEOUT_MS): Promise<{ ok: true } | { ok: false, error: string }> {
  const sent = new Date()
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'vendor-fetch-service',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(sent.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, sent, body)
  }
  try {
    const res = await request(url, { method: 'POST', dispatcher, headers, body, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) })
    await res.body.dump()
    if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true }
    const where = res.statusCode >= 300 && res.statusCode < 400 ? ' (a redirect, not followed)' : ''
    return { ok: false, error: `the receiver answered ${res.statusCode}${where}` }
  } catch (err) {
    const error = err as Error
    if (error.name === 'TimeoutError') return { ok: false, error: `no answer within ${timeoutMs / 1000} s` }
    return { ok: false, error: clip(`cannot reach the receiver: ${(error as NodeJS.ErrnoException).code ?? error.message}`) }
  }
}
