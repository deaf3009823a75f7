/** The most characters of what a client sent that an error message may repeat. */
export const MAX_ECHO = 200

/**
 * `text` with each lone surrogate (half of a UTF-16 pair) replaced by U+FFFD. JSON.stringify writes a lone
 * one as a `\ud83d` escape, which Redis's cjson refuses, and no UTF-8 store can hold it faithfully.
 */
export function wellFormed (text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed()
}

/**
 * `text` well formed and cut to at most `max` code points, marked with an ellipsis when cut: a cut never
 * falls between the two halves of a pair, as a cut by UTF-16 units does before an emoji.
 */
export function cut (text: string, max: number): string {
  if (text.length <= max) return wellFormed(text)
  let units = 0
  for (let points = 0; points < max && units < text.length; points++) {
    const code = text.charCodeAt(units)
    const low = text.charCodeAt(units + 1)
    units += code >= 0xd800 && code <= 0xdbff && low >= 0xdc00 && low <= 0xdfff ? 2 : 1
  }
  return units >= text.length ? wellFormed(text) : `${wellFormed(text.slice(0, units))}…`
}

/** `text` cut to MAX_ECHO characters, marked with an ellipsis: an error names the input without mirroring a megabyte of it. */
export function clip (text: string): string {
  return cut(text, MAX_ECHO)
}
