import { clip } from '../../core/input/clip.js'

/** What a vendor sent, on one line and cut as clients' input is (DESIGN "HTTP contract"). */
export function snippet (text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat === '' ? '(empty body)' : clip(flat)
}

/** A network failure in a few words: undici's code and message, or "timed out". */
export function describeFailure (err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'timed out'
    const code = (err as { code?: unknown }).code
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message
  }
  return String(err)
}
