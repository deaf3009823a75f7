import type { PageProgress } from '../../core/job.js'
import type { AnswerView, CompiledPages, CompiledVendor } from './compiled.js'
import { MappingError } from './errors.js'
import { kindOf, toJson, wrongType } from './expression.js'
import { checkPath } from './path.js'
import { snippet } from './text.js'

export type { PageProgress }

/**
 * Where the next page is: `link`, a path with its query that stands on its own (a `Link` header's URL), or
 * `path` and `query` that replace the mapped ones (a cursor in the body).
 */
export type NextPage = { link: string } | { path?: string, query?: Record<string, string[]> }

/** A page read: either the job's whole result, or what to keep on the job until the next page. */
export type PageOutcome =
  | { kind: 'result', result: { items: unknown[], pages: number } }
  | { kind: 'page', progress: Omit<PageProgress, 'attempts'> }

/** RFC 8288 `Link` header: each rel's URL, e.g. `{next, last}` for GitHub's `<...>; rel="next", <...>; rel="last"`. */
export function parseLinks (header: string | string[] | undefined): Record<string, string> {
  const links: Record<string, string> = {}
  const text = Array.isArray(header) ? header.join(', ') : header ?? ''
  for (const match of text.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2] ?? '')?.[1]
    if (rel === undefined) continue
    for (const name of rel.trim().split(/\s+/)) links[name.toLowerCase()] ??= match[1] ?? ''
  }
  return links
}

/**
 * Reads one page of a paged answer: its records joined to those read before, and where the next page is.
 * Ends with the job's result `{items, pages}` when `next` yields nothing, or `maxPages` or `maxItems` is reached.
 */
export async function readPage (vendor: CompiledVendor, pages: CompiledPages, view: AnswerView, before: PageProgress | undefined): Promise<PageOutcome> {
  const number = (before?.pages ?? 0) + 1
  const input = { ...view, page: number, links: parseLinks(view.headers.link) }
  const found = await pages.items.evaluate(input)
  const records = found === undefined ? [] : toJson(vendor.name, pages.items.field, Array.isArray(found) ? found : [found], vendor.redact) as unknown[]
  const items = [...before?.items ?? [], ...records].slice(0, pages.maxItems)
  const done = { kind: 'result' as const, result: { items, pages: number } }
  if (number >= pages.maxPages || items.length >= (pages.maxItems ?? Number.POSITIVE_INFINITY)) return done
  let next: NextPage | undefined
  try {
    next = nextPage(vendor, pages.next.field, await pages.next.evaluate(input))
  } catch (err) {
    // A refused link is quoted in the job's error, and a vendor's link may repeat our query credentials.
    if (err instanceof Error) err.message = vendor.redact(err.message)
    throw err
  }
  return next === undefined ? done : { kind: 'page', progress: { items, pages: number, next } }
}

/**
 * A vendor's link may repeat our query credentials (`?api_key=`): they are dropped from what the job keeps,
 * and the next call's auth sets them again.
 */
function withoutSecrets (vendor: CompiledVendor, path: string): string {
  const at = path.indexOf('?')
  if (at === -1) return path
  const query = new URLSearchParams(path.slice(at))
  const secret = [...query].filter(([, value]) => vendor.redact(value) !== value).map(([name]) => name)
  if (secret.length === 0) return path
  for (const name of secret) query.delete(name)
  const rest = query.toString()
  return rest === '' ? path.slice(0, at) : `${path.slice(0, at)}?${rest}`
}

/** `next`'s value as a NextPage: a URL or path on the vendor's origin, `{path?, query?}`, or nothing. */
function nextPage (vendor: CompiledVendor, field: string, value: unknown): NextPage | undefined {
  if (value === undefined || value === null || value === false || value === '') return undefined
  if (typeof value === 'string') {
    let url: URL
    try {
      url = new URL(value, vendor.origin)
    } catch {
      throw new MappingError(vendor.name, field, `yielded ${JSON.stringify(snippet(value))}, which is not a URL`)
    }
    if (url.origin !== vendor.origin) throw new MappingError(vendor.name, field, `yielded ${JSON.stringify(snippet(value))}, which is not on the vendor's origin`)
    // Checked as written, before URL parsing would resolve a "..": the vendor's own link may not climb either.
    const path = value.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '')
    return { link: withoutSecrets(vendor, checkPath(vendor.name, field, vendor.origin, path.startsWith('?') ? `${url.pathname}${path}` : path)) }
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(vendor.name, field, value, 'a URL, {path?, query?} or nothing')
  const { path, query, ...rest } = value as Record<string, unknown>
  const extra = Object.keys(rest)
  if (extra.length > 0) throw new MappingError(vendor.name, field, `yielded ${extra[0]}, but a next page has only path and query`)
  if (path === undefined && query === undefined) return undefined
  if (path !== undefined && typeof path !== 'string') throw wrongType(vendor.name, `${field} path`, path, 'a string')
  const next: NextPage = path === undefined ? {} : { path: checkPath(vendor.name, field, vendor.origin, path) }
  if (query === undefined) return next
  if (query === null || typeof query !== 'object' || Array.isArray(query)) throw wrongType(vendor.name, `${field} query`, query, 'an object')
  const values: Record<string, string[]> = {}
  for (const [name, item] of Object.entries(query)) {
    const list = (Array.isArray(item) ? item : [item]).filter((one) => one !== undefined)
    for (const one of list) {
      if (!(typeof one === 'string' || typeof one === 'boolean' || (typeof one === 'number' && Number.isFinite(one)))) {
        throw new MappingError(vendor.name, field, `yielded ${kindOf(one)} for the query parameter ${name}, expected a string, number or boolean`)
      }
    }
    values[name] = list.map(String)
  }
  return { ...next, query: values }
}
