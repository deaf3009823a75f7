import { createHash, timingSafeEqual } from 'node:crypto'

/** The characters of an RFC 6750 bearer token (b64token): a key with others could never be sent. */
export const BEARER_TOKEN = /^[A-Za-z0-9._~+/-]+=*$/

/** SHA-256 of a key: the only form in which keys are kept once read from the environment. */
export const keyDigest = (key: string): Buffer => createHash('sha256').update(key).digest()

/** A key's digest as text, for looking keys up in a Map: equal keys, equal ids; the key itself is not kept. */
export const keyId = (key: string): string => keyDigest(key).toString('base64url')

/** The token of an `Authorization: Bearer <token>` header, or undefined when the header is absent or of another scheme. */
export function bearerToken (header: string | undefined): string | undefined {
  return /^Bearer +(\S+)\s*$/i.exec(header ?? '')?.[1]
}

/**
 * Whether `given` is the secret whose digest is `expected`, in constant time: comparing digests, neither
 * the secret's content nor its length leaks through timing.
 */
export const matchesDigest = (given: string, expected: Buffer): boolean => timingSafeEqual(keyDigest(given), expected)
