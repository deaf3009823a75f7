import type { Credentials } from './auth.js'
import { encodeBody } from './body.js'
import type { CompiledCall, CompiledRequest, CompiledVendor } from './compiled.js'
import { MappingError } from './errors.js'
import { wrongType } from './expression.js'
import type { NextPage, PageProgress } from './pages.js'
import { checkPath } from './path.js'
import { snippet } from './text.js'

/** One call of a job, as the worker knows it. */
export interface CallInput {
  requestId: string
  payload: Record<string, unknown>
  type?: string
  /** Async vendors: where they post their result. */
  callbackUrl?: string
  /** The vendor's own id for the job, once it accepted it (poll requests). */
  vendorRef?: string
  /** 1 for the first call of the job. */
  attempt: number
  /** A paged call's progress: the next call reads the page it names. */
  pages?: PageProgress
}

/** Ready for undici: a dispatch's `{ method, path, headers, body }` on a pool for `origin`. */
export interface OutgoingRequest {
  method: string
  origin: string
  /** Path and query string. */
  path: string
  /** Lower-case names. Carries the credentials: never log it whole. */
  headers: Record<string, string>
  /** Absent: the request has no body. Bytes (multipart, raw) go as a Buffer, never as text. */
  body?: string | Buffer
}

/** The mapping for a job of `type`: the type's own when the vendor declares types, else the vendor's. */
export function callFor (vendor: CompiledVendor, type: string | undefined): CompiledCall {
  if (vendor.types.size === 0) return vendor.call
  const known = [...vendor.types.keys()].join(', ')
  if (type === undefined) throw new MappingError(vendor.name, 'types', `the job has no type (one of ${known})`)
  const call = vendor.types.get(type)
  if (call === undefined) throw new MappingError(vendor.name, 'types', `unknown job type ${JSON.stringify(snippet(type))} (one of ${known})`)
  return call
}

export async function buildRequest (vendor: CompiledVendor, call: CallInput): Promise<OutgoingRequest> {
  const { request } = callFor(vendor, call.type)
  const credentials = await vendor.auth.credentials()
  if (request === undefined) {
    return {
      method: 'POST',
      origin: vendor.origin,
      path: withQuery(vendor.basePath, new URLSearchParams(credentials.query)),
      headers: { 'content-type': 'application/json', 'idempotency-key': call.requestId, ...credentials.headers },
      body: JSON.stringify({ request_id: call.requestId, payload: call.payload, callback_url: call.callbackUrl })
    }
  }
  return mapRequest(vendor, request, call, credentials, { method: 'POST', idempotencyKey: true })
}

/** Errors name the field each expression came from, so only the defaults differ between calls and polls. */
export interface MapOptions {
  method: string
  /** Adds `Idempotency-Key: <request_id>` unless the mapping names that header itself. */
  idempotencyKey: boolean
}

/** What every request expression sees; a vendor that declares types keeps `type` out of the payload. */
function requestInput (vendor: CompiledVendor, call: CallInput) {
  return {
    request_id: call.requestId,
    payload: vendor.types.size === 0 ? call.payload : withoutType(call.payload),
    type: call.type,
    callback_url: call.callbackUrl,
    vendor_ref: call.vendorRef,
    attempt: call.attempt
  }
}

export async function mapRequest (
  vendor: CompiledVendor,
  spec: CompiledRequest,
  call: CallInput,
  credentials: Credentials,
  opts: MapOptions
): Promise<OutgoingRequest> {
  const input = requestInput(vendor, call)
  const next = call.pages?.next as NextPage | undefined
  const link = next !== undefined && 'link' in next ? next.link : undefined
  const cursor = next !== undefined && !('link' in next) ? next : undefined
  let path = link ?? cursor?.path ?? vendor.basePath
  if (link === undefined && cursor?.path === undefined && spec.path !== undefined) {
    const value = await spec.path.evaluate(input)
    if (typeof value !== 'string') throw wrongType(vendor.name, spec.path.field, value, 'a string')
    path = checkPath(vendor.name, spec.path.field, vendor.origin, value)
  }

  const query = new URLSearchParams()
  // A Link names the whole next URL; a cursor's parameters replace the mapped ones of the same name.
  for (const [name, expr] of link === undefined ? spec.query : []) {
    if (cursor?.query?.[name] !== undefined) continue
    const value = await expr.evaluate(input)
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined) continue
      if (!isScalar(item)) throw wrongType(vendor.name, expr.field, value, 'a string, number, boolean, a list of them, or nothing')
      query.append(name, String(item))
    }
  }
  for (const [name, values] of Object.entries(cursor?.query ?? {})) for (const value of values) query.append(name, value)
  // Credentials go last, so that no mapping can replace them, nor shadow them from the path's own query.
  const pathQuery = new URLSearchParams(path.includes('?') ? path.slice(path.indexOf('?')) : '')
  for (const [name, value] of Object.entries(credentials.query)) {
    if (pathQuery.has(name)) throw new MappingError(vendor.name, spec.path?.field ?? 'url', `sets the query parameter ${name}, which auth sets`)
    query.set(name, value)
  }

  const headers: Record<string, string> = {}
  const named = new Set<string>()
  for (const [name, expr] of spec.headers) {
    named.add(name.toLowerCase())
    const value = await expr.evaluate(input)
    if (value === undefined) continue
    if (!isScalar(value)) throw wrongType(vendor.name, expr.field, value, 'a string, number, boolean or nothing')
    const text = String(value)
    if (/[\r\n\0]/.test(text)) throw new MappingError(vendor.name, expr.field, 'yielded a header value with a line break or NUL')
    headers[name.toLowerCase()] = text
  }
  // Each page its own key: a vendor honouring keys would answer a later page's POST with the first page.
  const page = (call.pages?.pages ?? 0) + 1
  if (opts.idempotencyKey && !named.has('idempotency-key')) headers['idempotency-key'] = page === 1 ? call.requestId : `${call.requestId}:page:${page}`

  let body: string | Buffer | undefined
  if (spec.body !== undefined) {
    const value = await spec.body.evaluate(input)
    if (value !== undefined) {
      const encoded = encodeBody(vendor.name, spec.body.field, value, spec.encoding ?? 'json', spec.formArrays ?? 'brackets')
      body = encoded.body
      // A multipart body's boundary is its own: a mapped multipart type would not name it.
      if (spec.encoding === 'multipart' || headers['content-type'] === undefined) headers['content-type'] = encoded.contentType
    }
  }
  Object.assign(headers, credentials.headers)

  return { method: spec.method ?? opts.method, origin: vendor.origin, path: withQuery(path, query), headers, ...(body === undefined ? {} : { body }) }
}

function isScalar (value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
}

function withoutType (payload: Record<string, unknown>): Record<string, unknown> {
  const { type: _type, ...rest } = payload
  return rest
}

function withQuery (path: string, query: URLSearchParams): string {
  const text = query.toString()
  if (text === '') return path
  return `${path}${path.includes('?') ? '&' : '?'}${text}`
}
