import { UnrecoverableVendorError, VendorError } from '../errors.js'

/** A vendor entry the service cannot run with: a start error, one line naming the vendor and the field. */
export class AdapterConfigError extends Error {
  override name = 'AdapterConfigError'
  readonly code = 'VFS_ERR_VENDOR_CONFIG'
  constructor (readonly vendor: string, readonly field: string, problem: string) {
    super(`vendor "${vendor}": ${field === '' ? '' : `${field}: `}${problem}`)
  }
}

/**
 * A mapping that threw, ran too long or yielded the wrong type for this job. The same input would fail the
 * same way, so the job fails instead of calling the vendor again.
 */
export class MappingError extends UnrecoverableVendorError {
  override name = 'MappingError'
  override readonly code = 'VFS_ERR_VENDOR_MAPPING'
  constructor (readonly vendor: string, readonly field: string, problem: string) {
    super(`vendor "${vendor}": ${field}: ${problem}`)
  }
}

/** The vendor answered, and its answer says the job failed (a `response.error`, a callback's or a poll's error). */
export class VendorJobFailedError extends UnrecoverableVendorError {
  override name = 'VendorJobFailedError'
  override readonly code = 'VFS_ERR_VENDOR_JOB_FAILED'
}

/** No OAuth2 token could be had: its endpoint is down, refused us or answered garbage. Later attempts may pass. */
export class TokenError extends VendorError {
  override name = 'TokenError'
  override readonly code: string = 'VFS_ERR_VENDOR_TOKEN'
}

/** The vendor refused the token it was sent (401); the next call goes with a new one. */
export class TokenRejectedError extends TokenError {
  override name = 'TokenRejectedError'
  override readonly code = 'VFS_ERR_VENDOR_TOKEN_REJECTED'
}
