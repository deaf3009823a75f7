/** The most characters of what a client sent that an error message may repeat. */
export const MAX_ECHO = 200

/** `text` cut to MAX_ECHO characters, marked with an ellipsis: an error names the input without mirroring a megabyte of it. */
export function clip (text: string): string {
  return text.length > MAX_ECHO ? `${text.slice(0, MAX_ECHO)}…` : text
}
