import type { VendorClient } from '../../vendors/client.js'
import { UnrecoverableVendorError, VendorError } from '../../vendors/errors.js'
import type { JobStatus } from '../job.js'

/** How one vendor call ended: a result, an acceptance (async and poll vendors), a retryable failure, a refusal, or cut off by a stopping worker. */
export type CallOutcome = 'ok' | 'accepted' | 'failed' | 'rejected' | 'interrupted'

/** The HTTP status class of a vendor's answer; `none` when no answer came (network error, timeout). */
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'none'

/**
 * What the dispatch rules tell whoever watches them (metrics, in the plugins). The core calls it and
 * knows nothing of how it is recorded; every method must be cheap and must not throw.
 */
export interface DispatchObserver {
  /** One vendor call and how long it took. */
  called (vendor: string, outcome: CallOutcome, statusClass: StatusClass, seconds: number): void
  /** A ready entry waited this long before a worker took it (limits, pauses, busy workers). */
  waited (vendor: string, seconds: number): void
  /** A job reached complete or failed, this long after its submission. */
  ended (vendor: string, status: Extract<JobStatus, 'complete' | 'failed'>, secondsSinceSubmit: number): void
}

export const NO_OBSERVER: DispatchObserver = {
  called () {},
  waited () {},
  ended () {}
}

export function statusClass (status: number | undefined): StatusClass {
  if (status === undefined || status < 200 || status >= 600) return 'none'
  return `${Math.floor(status / 100)}xx` as StatusClass
}

/** Observes a job's end, measured from its submission. */
export function observeEnd (observer: DispatchObserver, vendor: string, status: JobStatus | undefined, createdAt: number, now = Date.now()): void {
  if (status === 'complete' || status === 'failed') observer.ended(vendor, status, Math.max(0, now - createdAt) / 1000)
}

/**
 * A vendor client whose calls and polls are observed: outcome, status class and duration, whatever
 * their shape. A call that succeeds is an acceptance for vendors that answer later; a poll is `ok`.
 */
export function observedClient (client: VendorClient, vendor: string, answersLater: boolean, observer: DispatchObserver): VendorClient {
  const observe = <A extends { signal?: AbortSignal }, R>(run: (arg: A) => Promise<R>, success: CallOutcome) => async (arg: A): Promise<R> => {
    const started = performance.now()
    const seconds = (): number => (performance.now() - started) / 1000
    try {
      const result = await run(arg)
      observer.called(vendor, success, '2xx', seconds())
      return result
    } catch (err) {
      const outcome: CallOutcome = arg.signal?.aborted === true ? 'interrupted' : err instanceof UnrecoverableVendorError ? 'rejected' : 'failed'
      observer.called(vendor, outcome, statusClass(err instanceof VendorError ? err.status : undefined), seconds())
      throw err
    }
  }
  return {
    call: observe((c) => client.call(c), answersLater ? 'accepted' : 'ok'),
    poll: observe((c) => client.poll(c), 'ok'),
    close: () => client.close()
  }
}
