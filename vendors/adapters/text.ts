/** Errors quote at most this much of what a vendor sent, as they do for clients (DESIGN "HTTP contract"). */
const SNIPPET = 200

export function snippet (text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  if (flat === '') return '(empty body)'
  return flat.length > SNIPPET ? `${flat.slice(0, SNIPPET)}…` : flat
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
