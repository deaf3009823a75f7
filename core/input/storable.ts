import type { JobChange } from '../job.js'
import { cut, wellFormed } from './clip.js'
import { MAX_JSON_DEPTH } from './json-depth.js'
import { type KeyRules, keyProblem } from './payload-keys.js'

/** A stored error quotes at most this much: a vendor's own error text may be a megabyte long. */
export const MAX_ERROR_CHARS = 1_000
/**
 * The largest result a job keeps, counted as its JSON text: well over the default maxResponseBytes (1 MiB),
 * well under MongoDB's 16 MB document, and what any store, cache and reply can carry.
 */
export const MAX_RESULT_CHARS = 8 * 1024 * 1024

type Storable = { ok: true, value: unknown } | { ok: false, problem: string }

class Unstorable extends Error {}

/**
 * A result as every store can hold it, or why it cannot be held: nested no deeper than the JSON a client may
 * send, JSON data only (finite numbers), no key a store refuses, at most MAX_RESULT_CHARS of JSON, and every
 * string (keys too) well formed. Returns the same value when nothing needed replacing.
 */
export function storableResult (value: unknown, rules: KeyRules): Storable {
  let size = 0
  const walk = (item: unknown, depth: number): unknown => {
    if (typeof item === 'string') {
      size += item.length + 2
      if (size > MAX_RESULT_CHARS) throw new Unstorable(`it is larger than ${MAX_RESULT_CHARS} characters of JSON`)
      return wellFormed(item)
    }
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) throw new Unstorable('it holds a number beyond what JSON can carry')
      size += 24
      return item
    }
    if (item === null || typeof item === 'boolean') {
      size += 5
      return item
    }
    if (typeof item !== 'object') throw new Unstorable(`it holds ${typeof item === 'undefined' ? 'an undefined value' : `a ${typeof item}`}, which is not JSON data`)
    if (depth >= MAX_JSON_DEPTH) throw new Unstorable(`it is nested deeper than ${MAX_JSON_DEPTH} levels`)
    size += 2
    if (Array.isArray(item)) {
      let changed = false
      const out = item.map((inner) => {
        const next = walk(inner, depth + 1)
        changed ||= next !== inner
        return next
      })
      return changed ? out : item
    }
    let changed = false
    const entries: Array<[string, unknown]> = []
    for (const [key, inner] of Object.entries(item)) {
      if (inner === undefined) continue
      const problem = keyProblem(key, inner, rules)
      if (problem !== undefined) throw new Unstorable(`its key ${JSON.stringify(cut(key, 40))}: ${problem}`)
      const name = wellFormed(key)
      const next = walk(inner, depth + 1)
      size += key.length + 3
      changed ||= next !== inner || name !== key
      entries.push([name, next])
    }
    return changed ? Object.fromEntries(entries) : item
  }
  try {
    return { ok: true, value: walk(value, 0) }
  } catch (err) {
    if (err instanceof Unstorable) return { ok: false, problem: err.message }
    throw err
  }
}

/** The texts of a change as a store keeps them: well formed, and errors cut to MAX_ERROR_CHARS. */
export function storableTexts (change: JobChange): JobChange {
  const out = { ...change }
  if (typeof out.error === 'string') out.error = cut(out.error, MAX_ERROR_CHARS)
  if (typeof out.lastError === 'string') out.lastError = cut(out.lastError, MAX_ERROR_CHARS)
  if (typeof out.vendorRef === 'string') out.vendorRef = wellFormed(out.vendorRef)
  return out
}
