import createError from '@fastify/error'

/** Every error a client can see, with a stable code (undici's UND_ERR_* style). */
export const UnknownVendorError = createError('VFS_ERR_UNKNOWN_VENDOR', 'unknown vendor "%s"; known vendors: %s', 400)
export const InvalidPayloadError = createError('VFS_ERR_INVALID_PAYLOAD', 'invalid job for %s: %s', 400)
export const WebhookVendorNotFoundError = createError('VFS_ERR_WEBHOOK_VENDOR_NOT_FOUND', 'no vendor "%s" sends webhooks here', 404)
export const JobNotFoundError = createError('VFS_ERR_JOB_NOT_FOUND', 'no job with id %s', 404)
export const BadSignatureError = createError('VFS_ERR_BAD_SIGNATURE', 'webhook rejected: %s', 401)
export const MalformedWebhookError = createError('VFS_ERR_MALFORMED_WEBHOOK', 'webhook body is not valid JSON: %s', 400)
export const UnreadableWebhookError = createError('VFS_ERR_UNREADABLE_WEBHOOK', 'webhook body cannot be read: %s', 400)
export const StaleCallbackError = createError('VFS_ERR_STALE_CALLBACK', 'job %s: this callback answers an earlier attempt, not the one the job waits for', 409)
export const WrongVendorError = createError('VFS_ERR_WRONG_VENDOR', 'job %s belongs to vendor "%s", not "%s"', 409)
export const NotWaitingError = createError('VFS_ERR_NOT_WAITING', 'job %s is no longer waiting for a callback (status %s)', 409)
export const UnavailableError = createError('VFS_ERR_UNAVAILABLE', 'service unavailable: %s', 503)
export const OverloadedError = createError('VFS_ERR_OVERLOADED', 'the service is overloaded and sheds requests; retry after Retry-After seconds', 503)
export const StoreFullHttpError = createError('VFS_ERR_STORE_FULL', 'cannot take the job now: %s; retry after Retry-After seconds', 503)
export const IdempotencyMismatchHttpError = createError('VFS_ERR_IDEMPOTENCY_MISMATCH', '%s: send a new key for a new request', 422)
export const IdempotencyInProgressHttpError = createError('VFS_ERR_IDEMPOTENCY_IN_PROGRESS', '%s; retry shortly', 409)
/** Retry-After of every 503: an outage or an overload is expected to pass within seconds. */
export const RETRY_AFTER_S = 5
export const NotFailedError = createError('VFS_ERR_NOT_FAILED', 'job %s is %s: only a failed job can be retried', 409)
export const ForbiddenKeyError = createError('VFS_ERR_FORBIDDEN_KEY', 'key %s is not allowed: %s', 400)
export const JsonTooDeepError = createError('VFS_ERR_JSON_TOO_DEEP', 'JSON nested deeper than %d levels', 400)
export const AdminUnauthorizedError = createError('VFS_ERR_UNAUTHORIZED', 'this route needs the admin bearer token (Authorization: Bearer <ADMIN_TOKEN>)', 401)
export const VendorNotFoundError = createError('VFS_ERR_VENDOR_NOT_FOUND', 'no vendor "%s"; known vendors: %s', 404)
export const BadCursorError = createError('VFS_ERR_BAD_CURSOR', 'cursor is not one this service gave out', 400)
