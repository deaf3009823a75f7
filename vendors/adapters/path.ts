import { MappingError } from './errors.js'
import { snippet } from './text.js'

/** Decoded as often as a server or proxy on the way might decode it: `%252e` is a dot to one that decodes twice. */
const DECODINGS = 3

/**
 * A mapped path (and its query) as it may go to `origin`, or a MappingError naming `field`. It only ever
 * follows the configured origin: `//host`, `https://host` or `\` would name another one. Its segments,
 * however often decoded, are never `.` or `..` and hold no slash or backslash: `/users/` and a payload's
 * `../orgs/x` (or `%2e%2e%2forgs`) would reach another endpoint with the vendor's credentials.
 */
export function checkPath (vendor: string, field: string, origin: string, path: string): string {
  const refuse = (why: string) => new MappingError(vendor, field, `yielded ${JSON.stringify(snippet(path))}, which ${why}`)
  if (!path.startsWith('/') || path.startsWith('//') || /[^\x21-\x7e]|[\\#]/.test(path)) {
    throw refuse('is not a path on the vendor\'s origin (it must start with a single "/", and hold no spaces, "\\" or "#"; ' +
      'encode values with $encodeUrlComponent)')
  }
  const end = path.indexOf('?')
  const segments = (end === -1 ? path : path.slice(0, end)).split('/').slice(1)
  for (const segment of segments) {
    let text = segment
    for (let i = 0; i < DECODINGS; i++) {
      if (text === '.' || text === '..') throw refuse('climbs out of its path with a "." or ".." segment')
      if (/[/\\]/.test(text)) throw refuse('holds an encoded "/" or "\\" in a segment')
      const decoded = decode(text)
      if (decoded === text) break
      text = decoded
    }
    if (text === '.' || text === '..' || /[/\\]/.test(text)) throw refuse('climbs out of its path once decoded')
  }
  // The last word: whatever the checks above missed, the URL must still be on the configured origin.
  if (new URL(path, origin).origin !== origin) throw refuse('leaves the vendor\'s origin')
  return path
}

/** `percent-decoded`, or the text unchanged where it holds a broken escape (it then cannot decode to anything). */
function decode (text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
