import { errors, Pool } from 'undici'
import { type CallOutcome, readAnswer, type VendorAnswer } from './adapters/answer.js'
import type { CompiledVendor } from './adapters/compiled.js'
import { TokenRejectedError } from './adapters/errors.js'
import { buildPollRequest, type PollOutcome, readPollAnswer } from './adapters/poll.js'
import { buildRequest, type CallInput, type OutgoingRequest } from './adapters/request.js'
import { describeFailure } from './adapters/text.js'
import type { VendorConfig } from './config.js'
import { UnrecoverableVendorError, VendorError } from './errors.js'

export type VendorCall = CallInput & {
  /** Aborts the call, as a stopping worker does once its grace is over. */
  signal?: AbortSignal
}

/** One undici Pool per vendor, reused for every call and poll; the vendor's adapter shapes each request and reads each answer. */
export interface VendorClient {
  /** A sync vendor's result, or an async or poll vendor's acceptance. Throws VendorError. */
  call (call: VendorCall): Promise<CallOutcome>
  /** How a job an accepting vendor took is going. Throws VendorError. */
  poll (call: VendorCall): Promise<PollOutcome>
  close (): Promise<void>
}

export function createVendorClient (vendor: VendorConfig, adapter: CompiledVendor): VendorClient {
  const pool = new Pool(adapter.origin, {
    connections: vendor.concurrency,
    headersTimeout: vendor.timeoutMs,
    bodyTimeout: vendor.timeoutMs,
    // Counted on the wire: past the limit undici stops reading and drops the connection.
    maxResponseSize: vendor.maxResponseBytes
  })

  const send = async (request: OutgoingRequest, signal: AbortSignal | undefined): Promise<VendorAnswer> => {
    // One controller and one plain timer per call: AbortSignal.timeout and AbortSignal.any cost far more per call.
    const call = new AbortController()
    const timer = setTimeout(() => call.abort(new DOMException('The call timed out', 'TimeoutError')), vendor.timeoutMs)
    const stop = (): void => call.abort(signal?.reason)
    signal?.addEventListener('abort', stop, { once: true })
    try {
      const res = await pool.request({
        method: request.method as 'GET',
        path: request.path,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: call.signal
      })
      // A declared length over the limit fails at once, without waiting for the body.
      if (Number(res.headers['content-length']) > vendor.maxResponseBytes) {
        res.body.destroy()
        throw new errors.ResponseExceededMaxSizeError()
      }
      return { status: res.statusCode, headers: res.headers, body: await res.body.text() }
    } catch (err) {
      if (signal?.aborted) throw err
      // The same question gets the same oversize answer: retrying would only pay for it again.
      if (err instanceof errors.ResponseExceededMaxSizeError) {
        throw new UnrecoverableVendorError(`${vendor.name} answered more than its maxResponseBytes (${vendor.maxResponseBytes} bytes)`)
      }
      throw new VendorError(adapter.redact(`${vendor.name} call failed (${describeFailure(err)})`))
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', stop)
    }
  }

  /** A vendor refusing its OAuth2 token gets one more try within the attempt, with the token fetched anew. */
  const exchange = async <T>(build: () => Promise<OutgoingRequest>, read: (sent: OutgoingRequest, answer: VendorAnswer) => Promise<T>, signal?: AbortSignal): Promise<T> => {
    for (let tries = 1; ; tries++) {
      const request = await build()
      try {
        return await read(request, await send(request, signal))
      } catch (err) {
        if (!(err instanceof TokenRejectedError) || tries > 1) throw err
      }
    }
  }

  return {
    call: ({ signal, ...call }) => exchange(() => buildRequest(adapter, call), (sent, answer) => readAnswer(adapter, call.type, sent, answer), signal),
    poll: ({ signal, ...call }) => exchange(() => buildPollRequest(adapter, call), (sent, answer) => readPollAnswer(adapter, sent, answer), signal),
    async close () {
      await pool.close()
    }
  }
}
