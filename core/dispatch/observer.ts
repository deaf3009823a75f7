import type { VendorCall, VendorClient } from '../../vendors/client.js'
import { LateDepartureError } from '../../vendors/departure.js'
import { UnrecoverableVendorError, VendorError } from '../../vendors/errors.js'
import { isTerminal, type JobStatus } from '../job.js'

/**
 * How one vendor call ended: a result, an acceptance (async and poll vendors), a retryable failure, a
 * refusal, cut off by a stopping worker, or never sent because it could not leave within its grant.
 */
type CallOutcome = 'ok' | 'accepted' | 'failed' | 'rejected' | 'interrupted' | 'late'

/** The HTTP status class of a vendor's answer; `none` when no answer came (network error, timeout). */
type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'none'

/**
 * What the dispatch rules tell whoever watches them (metrics, in the plugins). The core calls it and
 * knows nothing of how it is recorded; every method must be cheap and must not throw.
 */
export interface DispatchObserver {
  /** One vendor call and how long it took; `team`: the job's team, where the call knows it. */
  called (vendor: string, outcome: CallOutcome, statusClass: StatusClass, seconds: number, team?: string): void
  /** A ready entry waited this long before a worker took it (limits, pauses, busy workers). */
  waited (vendor: string, seconds: number): void
  /** A granted call left for the vendor this long after its grant, or would have when it was too late to. */
  departed (vendor: string, secondsAfterGrant: number): void
  /** A job reached complete or failed, this long after its submission; `team` where the job's team is known. */
  ended (vendor: string, status: Extract<JobStatus, 'complete' | 'failed'>, secondsSinceSubmit: number, team?: string): void
  /** A renewal found a delivery's lease taken over while its call was on the wire: the call was stopped. */
  leaseLost (vendor: string): void
  /** A call of the team's spent this much, in the operator's currency (settled by this process). */
  spent (vendor: string, team: string, amount: number): void
}

export const NO_OBSERVER: DispatchObserver = {
  called () {},
  waited () {},
  departed () {},
  ended () {},
  leaseLost () {},
  spent () {}
}

function statusClass (status: number | undefined): StatusClass {
  if (status === undefined || status < 200 || status >= 600) return 'none'
  return `${Math.floor(status / 100)}xx` as StatusClass
}

/** Observes a job's end, measured from its submission. */
export function observeEnd (observer: DispatchObserver, vendor: string, status: JobStatus | undefined, createdAt: number, team?: string): void {
  if (status !== undefined && isTerminal(status)) observer.ended(vendor, status, Math.max(0, Date.now() - createdAt) / 1000, team)
}

/**
 * A vendor client whose calls and polls are observed: outcome, status class and duration, whatever
 * their shape, and how long after its grant each one left. A call that succeeds is an acceptance for
 * vendors that answer later; a poll is `ok`.
 */
export function observedClient (client: VendorClient, vendor: string, answersLater: boolean, observer: DispatchObserver): VendorClient {
  const observe = (run: (call: VendorCall) => Promise<unknown>, success: CallOutcome) => async (call: VendorCall): Promise<never> => {
    const started = performance.now()
    const seconds = (): number => (performance.now() - started) / 1000
    const { grantedAt } = call
    const departed = grantedAt === undefined ? undefined : (at: number) => observer.departed(vendor, Math.max(0, at - grantedAt) / 1000)
    try {
      const result = await run(departed === undefined ? call : { ...call, departed })
      observer.called(vendor, success, '2xx', seconds(), call.team)
      return result as never
    } catch (err) {
      const outcome: CallOutcome = call.stop?.aborted === true ? 'interrupted' : err instanceof LateDepartureError ? 'late' : err instanceof UnrecoverableVendorError ? 'rejected' : 'failed'
      observer.called(vendor, outcome, statusClass(err instanceof VendorError ? err.status : undefined), seconds(), call.team)
      throw err
    }
  }
  return {
    call: observe((c) => client.call(c), answersLater ? 'accepted' : 'ok'),
    poll: observe((c) => client.poll(c), 'ok'),
    ready: () => client.ready(),
    warm: (n) => client.warm(n),
    close: () => client.close()
  }
}
