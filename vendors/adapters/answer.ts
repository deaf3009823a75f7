import { UnrecoverableVendorError, VendorError } from '../errors.js'
import { parseRetryAfter } from '../retry-after.js'
import type { CompiledVendor } from './compiled.js'
import { MappingError, TokenRejectedError, VendorJobFailedError } from './errors.js'
import { errorText, optionalString, toJson } from './expression.js'
import { callFor, type OutgoingRequest } from './request.js'
import type { IncomingHeaders } from './signatures.js'
import { snippet } from './text.js'

/** A vendor's answer as read off the wire: the body as text, parsed here. */
export interface VendorAnswer {
  status: number
  headers: IncomingHeaders
  body: string
}

/** What response expressions see: `body` is the parsed JSON, or the text when it is not JSON. */
export interface AnswerView {
  status: number
  headers: IncomingHeaders
  body: unknown
}

export type CallOutcome =
  | { kind: 'result', result: unknown }
  /** An async or poll vendor took the job; `vendorRef` is its own id for it, when `accepted` says where. */
  | { kind: 'accepted', vendorRef?: string }

export const DEFAULT_RETRY_ON: readonly number[] = [408, 425, 429, 500, 502, 503, 504]

/**
 * Turns the answer to `sent` (built for a job of `type`) into the job's result or the vendor's id for it.
 * Throws VendorError when a later attempt may pass (a `retryOn` status, a refused OAuth2 token, garbage),
 * and its unrecoverable kinds when not: the vendor refused the call, said the job failed, or a mapping broke.
 */
export async function readAnswer (vendor: CompiledVendor, type: string | undefined, sent: OutgoingRequest, answer: VendorAnswer): Promise<CallOutcome> {
  const { response } = callFor(vendor, type)
  const { view, json } = checkStatus(vendor, sent, answer, response.retryOn)
  if (response.error !== undefined) {
    const error = errorText(vendor.name, response.error.field, await response.error.evaluate(view))
    if (error !== undefined) throw new VendorJobFailedError(vendor.redact(error))
  }
  if (answer.status < 200 || answer.status >= 300) {
    throw new UnrecoverableVendorError(`${vendor.name} rejected the call with ${answer.status}: ${quote(vendor, answer.body)}`, undefined, answer.status)
  }
  if (vendor.mode !== 'sync') {
    if (vendor.accepted === undefined) return { kind: 'accepted' }
    const vendorRef = optionalString(vendor.name, vendor.accepted.field, await vendor.accepted.evaluate(view))
    if (vendorRef === undefined || vendorRef === '') throw nothingFound(vendor, vendor.accepted.field, answer, json)
    return { kind: 'accepted', vendorRef }
  }
  if (response.result === undefined) {
    // Our own protocol: the answer is the result, and must be a JSON object.
    if (typeof view.body !== 'object' || view.body === null || Array.isArray(view.body)) {
      const what = json ? 'JSON that is not an object' : 'a body that is not JSON'
      throw new VendorError(`${vendor.name} answered ${answer.status} with ${what}: ${quote(vendor, answer.body)}`)
    }
    return { kind: 'result', result: view.body }
  }
  const result = await response.result.evaluate(view)
  if (result === undefined) throw nothingFound(vendor, response.result.field, answer, json)
  return { kind: 'result', result: toJson(vendor.name, response.result.field, result) }
}

/**
 * The checks every answer meets before any mapping: a refused OAuth2 token, then the statuses to retry.
 * Returns what the expressions see, and whether the body was JSON.
 */
export function checkStatus (
  vendor: CompiledVendor,
  sent: OutgoingRequest,
  answer: VendorAnswer,
  retryOn: ReadonlySet<number>
): { view: AnswerView, json: boolean } {
  if (answer.status === 401 && vendor.auth.rejected(sent.headers)) {
    throw new TokenRejectedError(`${vendor.name} answered 401 to its OAuth2 token; the next call fetches a new one`)
  }
  if (retryOn.has(answer.status)) {
    throw new VendorError(`${vendor.name} answered ${answer.status}: ${quote(vendor, answer.body)}`, parseRetryAfter(answer.headers['retry-after']), answer.status)
  }
  // Redacted before any mapping sees it: a vendor echoing our credentials cannot get them into a job.
  const { body, json } = parseBody(vendor.redact(answer.body))
  return { view: { status: answer.status, headers: answer.headers, body }, json }
}

/**
 * A mapping that finds nothing in garbage (an HTML error page, a cut-off body) met a vendor's bad moment, and
 * a later attempt may pass; in well-formed JSON it is looking in the wrong place, and no attempt will help.
 */
export function nothingFound (vendor: CompiledVendor, field: string, answer: VendorAnswer, json: boolean): VendorError {
  if (!json) {
    return new VendorError(`${vendor.name} answered ${answer.status} with a body that is not JSON: ${quote(vendor, answer.body)}`)
  }
  return new MappingError(vendor.name, field, `yielded nothing for the answer ${answer.status}: ${quote(vendor, answer.body)}`)
}

function parseBody (text: string): { body: unknown, json: boolean } {
  if (text === '') return { body: undefined, json: false }
  try {
    return { body: JSON.parse(text), json: true }
  } catch {
    return { body: text, json: false }
  }
}

/** Redacted before it is cut, so that a cut never leaves part of a secret behind. */
export function quote (vendor: CompiledVendor, text: string): string {
  return snippet(vendor.redact(text))
}
