import type { CompiledVendor } from './compiled.js'
import { MappingError } from './errors.js'
import { errorText, optionalString, toJson } from './expression.js'
import type { CallbackContext, IncomingHeaders, SignatureCheck } from './signatures.js'

/** A verified callback: its headers, and its body parsed (JSON, or a form's fields). */
export interface Callback {
  headers: IncomingHeaders
  body: unknown
}

/** Which job a callback is about (our id or the vendor's), and how it ended. */
export interface CallbackFields {
  requestId?: string
  vendorRef?: string
  result?: unknown
  error?: string
}

/** Checks a callback's signature over its raw bytes (or what its scheme's `payload` builds), by the vendor's scheme. Never rejects. */
export async function verifyCallback (vendor: CompiledVendor, rawBody: Buffer | string | undefined, headers: IncomingHeaders, context?: CallbackContext): Promise<SignatureCheck> {
  if (vendor.webhook === undefined) return { ok: false, reason: `the vendor's mode is ${vendor.mode}: it sends no callbacks` }
  return vendor.webhook.verify(rawBody, headers, context)
}

/** The most fields a form-encoded callback is read with: vendors send tens, and more is work done for anyone, unsigned. */
export const MAX_FORM_FIELDS = 1_000

/**
 * A form-encoded callback's fields: `body` by name (a repeated name as a list of its values), and `params`
 * sorted as Twilio signs them; undefined for a form of more than MAX_FORM_FIELDS fields, counted first.
 */
export function readForm (text: string): Pick<CallbackContext, 'body' | 'params'> | undefined {
  let fields = 1
  for (let i = 0; i < text.length && fields <= MAX_FORM_FIELDS; i++) if (text.charCodeAt(i) === 0x26) fields++
  if (fields > MAX_FORM_FIELDS) return undefined
  // No prototype: a field named __proto__ stays a field, which the route then refuses by name.
  const body: Record<string, string | string[]> = Object.create(null)
  const params: CallbackContext['params'] = []
  for (const [name, value] of new URLSearchParams(text)) {
    params.push({ name, value })
    const seen = body[name]
    // Appended in place: copying the list per repeat would let a body of `a&a&a...` take minutes.
    if (Array.isArray(seen)) seen.push(value)
    else body[name] = seen === undefined ? value : [seen, value]
  }
  params.sort((a, b) => compare(a.name, b.name) || compare(a.value, b.value))
  return { body, params }
}

/** Code-point order, as a Unix sort: "Z" before "a". */
const compare = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0

/**
 * Reads a verified callback by the vendor's `webhook` expressions. A callback that names no job, or a
 * mapping that breaks on it, is a MappingError: the callback is malformed for this vendor.
 */
export async function readCallback (vendor: CompiledVendor, callback: Callback): Promise<CallbackFields> {
  const webhook = vendor.webhook
  if (webhook === undefined) throw new MappingError(vendor.name, 'webhook', `the vendor's mode is ${vendor.mode}: it sends no callbacks`)
  const fields: CallbackFields = {}
  if (webhook.requestId !== undefined) {
    const id = optionalString(vendor.name, webhook.requestId.field, await webhook.requestId.evaluate(callback))
    if (id !== undefined && id !== '') fields.requestId = id
  }
  if (webhook.vendorRef !== undefined) {
    const ref = optionalString(vendor.name, webhook.vendorRef.field, await webhook.vendorRef.evaluate(callback))
    if (ref !== undefined && ref !== '') fields.vendorRef = ref
  }
  if (fields.requestId === undefined && fields.vendorRef === undefined) {
    const field = (webhook.vendorRef ?? webhook.requestId)?.field ?? 'webhook.requestId'
    throw new MappingError(vendor.name, field, 'yielded nothing: the callback names no job')
  }
  const error = errorText(vendor.name, webhook.error.field, await webhook.error.evaluate(callback))
  if (error !== undefined) return { ...fields, error: vendor.redact(error) }
  const result = await webhook.result.evaluate(callback)
  return result === undefined ? fields : { ...fields, result: toJson(vendor.name, webhook.result.field, result, vendor.redact) }
}
