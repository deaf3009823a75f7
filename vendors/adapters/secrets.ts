import type { SecretRef } from './entry.js'
import { AdapterConfigError } from './errors.js'

/** The value of the variable a `{"env": NAME}` names. Missing or empty is a start error naming the variable, never its value. */
export function resolveSecret (vendor: string, field: string, ref: SecretRef, env: NodeJS.ProcessEnv): string {
  const value = env[ref.env]
  if (value === undefined || value === '') {
    throw new AdapterConfigError(vendor, field, `environment variable ${ref.env} is not set`)
  }
  return value
}

const HIDDEN = '[redacted]'
/** Shorter values are not hunted for: they would blank out common words and say nothing secret. */
const MIN_LENGTH = 4

/**
 * Replaces every secret in `text`, as written or encoded the ways a request carries it, with "[redacted]":
 * a vendor may echo our headers, query or form back in an error page, and that page ends up in a job's error.
 */
export function redact (text: string, secrets: Iterable<string>): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length < MIN_LENGTH) continue
    for (const form of new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])) {
      out = out.split(form).join(HIDDEN)
    }
  }
  return out
}
