import type { Dispatcher } from 'undici'
import { VendorError } from './errors.js'
import type { CallStop } from './stop.js'

/**
 * The call could not leave for the vendor in time: it would have reached the vendor later than its grant
 * allows (a connection that took long to open, a busy event loop). Nothing was sent; the delivery goes
 * back for a new grant instead of breaking the vendor's limits.
 */
export class LateDepartureError extends VendorError {
  override name = 'LateDepartureError'
  override readonly code: string = 'VFS_ERR_LATE_DEPARTURE'
  constructor (vendor: string, readonly lateMs: number) {
    super(`the call to ${vendor} could not leave within its grant (${Math.round(lateMs)} ms late); it goes back for a new one`)
  }
}

/** A request's departure deadline (performance.now()), and who hears when it left. */
export interface Departure {
  by: number
  /** When the call left, or would have when it was too late to (performance.now()). */
  report? (at: number): void
}

type Forward = (...args: unknown[]) => unknown

const LEGACY = ['onError', 'onUpgrade', 'onResponseStarted', 'onHeaders', 'onData', 'onComplete', 'onBodySent'] as const
const CURRENT = ['onRequestUpgrade', 'onResponseStart', 'onResponseData', 'onResponseEnd', 'onResponseError'] as const
/** Where each handler style hears that the request is over, one way or the other. */
const ENDS = new Set<string>(['onError', 'onComplete', 'onResponseEnd', 'onResponseError'])

/** A request's times, as its options carry them. */
interface CallTimes {
  departure?: Departure
  /** The call's whole time, headers and body, from its dispatch; past it the request is aborted with a TimeoutError. */
  limitMs?: number
  /** Aborts the request with its reason (a stopping worker, a lost lease), heard here rather than through an AbortSignal, which costs far more per call. */
  stop?: CallStop
}

/**
 * An undici interceptor that keeps a request within its times: it checks the departure deadline at the
 * last moment before the first byte is written, once its connection is up (a request that is late by then
 * is aborted unsent), and aborts a request still going at its time limit or when told to stop. All abort
 * through the request's own controller: an AbortController per call, and undici listening to a signal,
 * cost more CPU than all the rest of the call path (Node 20). A request with none of them goes as it is.
 */
export function departureCheck (vendor: string): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    const { departure, limitMs, stop } = options as CallTimes
    if (departure === undefined && limitMs === undefined && stop === undefined) return dispatch(options, handler)
    let abort: ((err: Error) => void) | undefined
    /** Why the request must end: set once, then told to undici as soon as the request has a controller. */
    let overdue: Error | undefined = stop?.reason
    const end = (err: Error): void => {
      overdue ??= err
      abort?.(overdue)
    }
    const timer = limitMs === undefined ? undefined : setTimeout(() => end(new DOMException('The call timed out', 'TimeoutError')), limitMs)
    stop?.hear(end)
    const over = (): void => {
      clearTimeout(timer)
      stop?.hear(undefined)
    }
    /** Why the request may not start: past its time limit while it waited for a connection, or late. */
    const refusal = (): Error | undefined => {
      if (overdue !== undefined) return overdue
      if (departure === undefined) return undefined
      const at = performance.now()
      departure.report?.(at)
      return at > departure.by ? new LateDepartureError(vendor, at - departure.by) : undefined
    }
    const inner = handler as unknown as Record<string, Forward | undefined>
    const wrapped: Record<string, Forward> = {}
    // Both handler styles reach here (undici 7 accepts either); the other methods are passed through as they are.
    const current = typeof inner.onRequestStart === 'function'
    for (const name of current ? CURRENT : LEGACY) {
      const method = inner[name]
      if (method === undefined) continue
      wrapped[name] = ENDS.has(name)
        ? (...args) => {
            over()
            return method.apply(handler, args)
          }
        : (...args) => method.apply(handler, args)
    }
    const start = (halt: (err: Error) => void, go: () => void): void => {
      abort = halt
      const error = refusal()
      if (error === undefined) go()
      else halt(error)
    }
    if (current) {
      wrapped.onRequestStart = (controller, context) => {
        const c = controller as Dispatcher.DispatchController
        start((err) => c.abort(err), () => inner.onRequestStart?.call(handler, controller, context))
      }
    } else {
      wrapped.onConnect = (halt, context) => {
        start(halt as (err: Error) => void, () => inner.onConnect?.call(handler, halt, context))
      }
    }
    return dispatch(options, wrapped as unknown as Dispatcher.DispatchHandler)
  }
}
