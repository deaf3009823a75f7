/** A vendor call that failed in a way that may pass on a later attempt (network, timeout, 5xx, 429, garbage). */
export class VendorError extends Error {
  override name = 'VendorError'
  readonly code: string = 'VFS_ERR_VENDOR'
  /** The vendor's own rate-limit headers said no call is left for this long: every caller waits (set where the answer is read). */
  pauseMs?: number
  /** `status`: the vendor's HTTP status, when it answered. */
  constructor (message: string, readonly retryAfterMs?: number, readonly status?: number) {
    super(message)
  }
}

/** A vendor call that must not be retried: the vendor refused the request itself (4xx other than 429). */
export class UnrecoverableVendorError extends VendorError {
  override name = 'UnrecoverableVendorError'
  override readonly code: string = 'VFS_ERR_VENDOR_REJECTED'
}
