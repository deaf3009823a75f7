/** Deeper JSON is refused before it is parsed: stores, clones and serializers recurse, and overflow far below 10 KB of brackets. */
export const MAX_JSON_DEPTH = 64

/**
 * Whether JSON text nests arrays and objects deeper than `max`, read in one flat pass over the raw text,
 * so that nothing recursive ever sees it. Brackets inside strings do not count; text that is not JSON
 * may give any answer, since the parser refuses it next.
 */
export function nestsDeeperThan (text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // a backslash escapes the next character, a quote included
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true
    } else if (c === 0x5d || c === 0x7d) {
      depth--
    }
  }
  return false
}
