import { UnrecoverableVendorError } from '../errors.js'
import { checkStatus, nothingFound, type Paused, quote, type VendorAnswer, withPause } from './answer.js'
import type { AnswerView, CompiledPoll, CompiledVendor } from './compiled.js'
import { MappingError } from './errors.js'
import { condition, errorText, toJson } from './expression.js'
import { type CallInput, mapRequest, type OutgoingRequest } from './request.js'

export type PollOutcome = (
  | { state: 'running' }
  | { state: 'done', result: unknown }
  | { state: 'failed', error: string }
) & Paused

/** The next poll of a job the vendor accepted; `call.vendorRef` is its id there. GET unless poll.request says otherwise. */
export async function buildPollRequest (vendor: CompiledVendor, call: CallInput): Promise<OutgoingRequest> {
  const poll = pollOf(vendor)
  return mapRequest(vendor, poll.request, call, await vendor.auth.credentials(), { method: 'GET', idempotencyKey: false })
}

/**
 * Reads a poll's answer: failed is checked before done, so a vendor that marks a failed job as finished too
 * still fails it. Throws VendorError for a poll to repeat (a `retryOn` status, a refused token), and
 * UnrecoverableVendorError when the vendor refuses the poll itself.
 */
export async function readPollAnswer (vendor: CompiledVendor, sent: OutgoingRequest, answer: VendorAnswer): Promise<PollOutcome> {
  return withPause(vendor, answer, () => readPoll(vendor, sent, answer))
}

async function readPoll (vendor: CompiledVendor, sent: OutgoingRequest, answer: VendorAnswer): Promise<PollOutcome> {
  const poll = pollOf(vendor)
  const { view, json } = await checkStatus(vendor, sent, answer, vendor.call.response)
  if (poll.failed !== undefined && condition(vendor.name, poll.failed.field, await poll.failed.evaluate(view))) {
    return { state: 'failed', error: await failure(vendor, poll, view) }
  }
  if (condition(vendor.name, poll.done.field, await poll.done.evaluate(view))) {
    const result = poll.result === undefined ? view.body : await poll.result.evaluate(view)
    if (result === undefined) throw nothingFound(vendor, poll.result?.field ?? 'poll.result', answer, json)
    return { state: 'done', result: toJson(vendor.name, poll.result?.field ?? 'poll.result', result, vendor.redact) }
  }
  if (answer.status < 200 || answer.status >= 300) {
    throw new UnrecoverableVendorError(`${vendor.name} rejected the poll with ${answer.status}: ${quote(vendor, answer.body)}`, undefined, answer.status)
  }
  return { state: 'running' }
}

async function failure (vendor: CompiledVendor, poll: CompiledPoll, view: AnswerView): Promise<string> {
  const error = poll.error === undefined ? undefined : errorText(vendor.name, poll.error.field, await poll.error.evaluate(view))
  return vendor.redact(error ?? `${vendor.name} reported the job failed`)
}

function pollOf (vendor: CompiledVendor): CompiledPoll {
  if (vendor.poll === undefined) throw new MappingError(vendor.name, 'poll', `the vendor's mode is ${vendor.mode}, not poll`)
  return vendor.poll
}
