import type { Dispatcher } from 'undici'
import { errors, util } from 'undici'
import type { VendorAnswer } from './adapters/answer.js'
import type { IncomingHeaders } from './adapters/signatures.js'
import { type Departure, LateDepartureError } from './departure.js'
import type { CallStop } from './stop.js'

/** A request's times: its departure deadline, its whole time (headers and body), and what stops it. */
export interface ExchangeTimes {
  /** The vendor's name, for a late call's error. */
  vendor: string
  departure?: Departure
  /** From its dispatch; past it the request is aborted with a TimeoutError. */
  limitMs: number
  stop?: CallStop
  /** A declared content-length over this fails at once (undici's maxResponseSize counts the rest on the wire). */
  maxBytes: number
}

const BOM = [0xef, 0xbb, 0xbf]

/**
 * One request to a vendor as an undici dispatch handler, in place of undici's request() API, whose response
 * stream, async resource and handler wrappers cost more per call than the rest of the call path: the
 * departure deadline is checked at the last moment before the first byte is written, once the connection is
 * up (a late request is aborted unsent), and the request is aborted at its time limit or when stopped.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private abort: ((err: Error) => void) | undefined = undefined
  /** Why the request must end: set once, then told to undici as soon as the request has its abort. */
  private overdue: Error | undefined
  private readonly timer: NodeJS.Timeout
  private status = 0
  private headers: IncomingHeaders = {}
  private readonly chunks: Buffer[] = []

  constructor (private readonly times: ExchangeTimes, private readonly resolve: (answer: VendorAnswer) => void, private readonly reject: (err: Error) => void) {
    this.overdue = times.stop?.reason
    this.timer = setTimeout(timedOut, times.limitMs, this)
    times.stop?.hear(this)
  }

  /** Ends the request with `err` (the first reason given wins), now or once it has its abort. */
  stopped (err: Error): void {
    this.overdue ??= err
    this.abort?.(this.overdue)
  }

  onConnect (abort: (err?: Error) => void): void {
    this.abort = abort
    const refusal = this.refusal()
    if (refusal !== undefined) abort(refusal)
  }

  onHeaders (status: number, rawHeaders: Buffer[], _resume: () => void, _statusText: string): boolean {
    // An informational answer (1xx) is followed by the real one.
    if (status < 200) return true
    this.status = status
    this.headers = util.parseHeaders(rawHeaders) as IncomingHeaders
    if (Number(this.headers['content-length']) > this.times.maxBytes) this.stopped(new errors.ResponseExceededMaxSizeError())
    return true
  }

  onData (chunk: Buffer): boolean {
    this.chunks.push(chunk)
    return true
  }

  onComplete (): void {
    this.over()
    const whole = this.chunks.length === 1 ? this.chunks[0] as Buffer : Buffer.concat(this.chunks)
    // As undici's body.text(): UTF-8, a leading byte order mark dropped.
    const body = whole.length >= 3 && BOM.every((b, i) => whole[i] === b) ? whole.subarray(3) : whole
    this.resolve({ status: this.status, headers: this.headers, body: body.toString('utf8') })
  }

  onError (err: Error): void {
    this.over()
    this.reject(err)
  }

  /** Why the request may not start: past its time limit or stopped while it waited for a connection, or late. */
  private refusal (): Error | undefined {
    if (this.overdue !== undefined) return this.overdue
    const { departure } = this.times
    if (departure === undefined) return undefined
    const at = performance.now()
    departure.report?.(at)
    return at > departure.by ? new LateDepartureError(this.times.vendor, at - departure.by) : undefined
  }

  private over (): void {
    clearTimeout(this.timer)
    this.times.stop?.hear(undefined)
  }
}

function timedOut (exchange: Exchange): void {
  exchange.stopped(new DOMException('The call timed out', 'TimeoutError'))
}

/** Sends one request through `dispatcher` within its times and reads the answer whole. */
export function exchangeWithin (dispatcher: Dispatcher, request: Dispatcher.DispatchOptions, times: ExchangeTimes): Promise<VendorAnswer> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(request, new Exchange(times, resolve, reject))
  })
}
