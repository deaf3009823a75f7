import type { Credentials } from './auth.js'
import type { CompiledCall, CompiledRequest, CompiledVendor } from './compiled.js'
import { MappingError } from './errors.js'
import { toJson, wrongType } from './expression.js'
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
}

/** Ready for undici: `pool.request({ method, path, headers, body })` on a pool for `origin`. */
export interface OutgoingRequest {
  method: string
  origin: string
  /** Path and query string. */
  path: string
  /** Lower-case names. Carries the credentials: never log it whole. */
  headers: Record<string, string>
  /** Absent: the request has no body. */
  body?: string
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

/** What every request expression sees. */
export function requestInput (call: CallInput) {
  return {
    request_id: call.requestId,
    payload: call.payload,
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
  const input = requestInput(call)
  let path = vendor.basePath
  if (spec.path !== undefined) {
    const value = await spec.path.evaluate(input)
    if (typeof value !== 'string') throw wrongType(vendor.name, spec.path.field, value, 'a string')
    path = checkPath(vendor, spec.path.field, value)
  }

  const query = new URLSearchParams()
  for (const [name, expr] of spec.query) {
    const value = await expr.evaluate(input)
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item === undefined) continue
      if (!isScalar(item)) throw wrongType(vendor.name, expr.field, value, 'a string, number, boolean, a list of them, or nothing')
      query.append(name, String(item))
    }
  }
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
  if (opts.idempotencyKey && !named.has('idempotency-key')) headers['idempotency-key'] = call.requestId

  let body: string | undefined
  if (spec.body !== undefined) {
    const value = await spec.body.evaluate(input)
    if (typeof value === 'string') {
      body = value
      headers['content-type'] ??= 'text/plain; charset=utf-8'
    } else if (value !== undefined) {
      body = JSON.stringify(toJson(vendor.name, spec.body.field, value))
      headers['content-type'] ??= 'application/json'
    }
  }
  Object.assign(headers, credentials.headers)

  return { method: spec.method ?? opts.method, origin: vendor.origin, path: withQuery(path, query), headers, ...(body === undefined ? {} : { body }) }
}

/**
 * A mapped path only ever follows the configured origin: `//host` or `https://host` would name another
 * one, and `\` is read as `/` by some servers. Anything outside printable ASCII must come percent-encoded.
 */
function checkPath (vendor: CompiledVendor, field: string, path: string): string {
  if (path.startsWith('/') && !path.startsWith('//') && !/[^\x21-\x7e]|[\\#]/.test(path)) return path
  throw new MappingError(vendor.name, field,
    `yielded ${JSON.stringify(snippet(path))}, which is not a path on the vendor's origin ` +
    '(it must start with a single "/", and hold no spaces, "\\" or "#"; encode values with $encodeUrlComponent)')
}

function isScalar (value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
}

function withQuery (path: string, query: URLSearchParams): string {
  const text = query.toString()
  if (text === '') return path
  return `${path}${path.includes('?') ? '&' : '?'}${text}`
}
