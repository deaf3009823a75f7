import { UnrecoverableVendorError, VendorError } from '../errors.js'
import { pauseOf, readRateLimit } from '../rate-limit.js'
import { parseRetryAfter } from '../retry-after.js'
import type { AnswerView, CompiledCall, CompiledVendor } from './compiled.js'
import { MappingError, TokenRejectedError, VendorJobFailedError } from './errors.js'
import { condition, errorText, optionalString, toJson } from './expression.js'
import { type PageOutcome, type PageProgress, readPage } from './pages.js'
import { callFor, type OutgoingRequest } from './request.js'
import type { IncomingHeaders } from './signatures.js'
import { snippet } from './text.js'

/** A vendor's answer as read off the wire: the body as text, parsed here. */
export interface VendorAnswer {
  status: number
  headers: IncomingHeaders
  body: string
}

export type CallOutcome = (
  | { kind: 'result', result: unknown }
  /** An async or poll vendor took the job; `vendorRef` is its own id for it, when `accepted` says where. */
  | { kind: 'accepted', vendorRef?: string }
  /** A page of a paged answer was read and another follows: what to keep on the job until then. */
  | Extract<PageOutcome, { kind: 'page' }>
) & Paused

/** The vendor's rate-limit headers said no call is left for this long: every caller waits. */
export interface Paused {
  pauseMs?: number
}

export const DEFAULT_RETRY_ON: readonly number[] = [408, 425, 429, 500, 502, 503, 504]

/**
 * Turns the answer to `sent` (built for a job of `type`) into the job's result, a page of it, or the vendor's
 * id for it. Throws VendorError when a later attempt may pass (a `retryOn` status, an answer `retryable`
 * says is one, a refused OAuth2 token, garbage), and its unrecoverable kinds when not: the vendor refused the
 * call, said the job failed, or a mapping broke. Whichever, the vendor's rate-limit headers ride along.
 */
export async function readAnswer (
  vendor: CompiledVendor,
  type: string | undefined,
  sent: OutgoingRequest,
  answer: VendorAnswer,
  /** A paged call's progress before this page. */
  pages?: PageProgress
): Promise<CallOutcome> {
  return withPause(vendor, answer, () => read(vendor, callFor(vendor, type), sent, answer, pages))
}

/** Adds the pause the answer's rate-limit headers ask for to whatever reading it came to, outcome or error. */
export async function withPause<T extends object> (vendor: CompiledVendor, answer: VendorAnswer, read: () => Promise<T>): Promise<T & Paused> {
  const pauseMs = pauseOf(readRateLimit(vendor.rateLimitHeaders, answer.headers))
  if (pauseMs === undefined) return read()
  try {
    return { ...await read(), pauseMs }
  } catch (err) {
    if (err instanceof VendorError) err.pauseMs = pauseMs
    throw err
  }
}

async function read (vendor: CompiledVendor, { response, pages }: CompiledCall, sent: OutgoingRequest, answer: VendorAnswer, before?: PageProgress): Promise<CallOutcome> {
  const { view, json } = await checkStatus(vendor, sent, answer, response)
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
  if (pages !== undefined) return readPage(vendor, pages, view, before)
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
  return { kind: 'result', result: toJson(vendor.name, response.result.field, result, vendor.redact) }
}

/**
 * The checks every answer meets before any mapping: a refused OAuth2 token, then the statuses to retry and
 * the answers `retryable` marks. Returns what the expressions see, and whether the body was JSON.
 */
export async function checkStatus (
  vendor: CompiledVendor,
  sent: OutgoingRequest,
  answer: VendorAnswer,
  response: CompiledCall['response']
): Promise<{ view: AnswerView, json: boolean }> {
  if (answer.status === 401 && vendor.auth.rejected(sent.headers)) {
    throw new TokenRejectedError(`${vendor.name} answered 401 to its OAuth2 token; the next call fetches a new one`)
  }
  // Redacted before any mapping sees it: a vendor echoing our credentials cannot get them into a job.
  const { body, json } = parseBody(vendor.redact(answer.body))
  const view = { status: answer.status, headers: answer.headers, body }
  const { retryable } = response
  if (response.retryOn.has(answer.status) || (retryable !== undefined && condition(vendor.name, retryable.field, await retryable.evaluate(view)))) {
    throw new VendorError(`${vendor.name} answered ${answer.status}: ${quote(vendor, answer.body)}`, parseRetryAfter(answer.headers['retry-after']), answer.status)
  }
  return { view, json }
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
