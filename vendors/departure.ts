import { VendorError } from './errors.js'

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
