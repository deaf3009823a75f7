import { type Dispatcher, errors, Pool } from 'undici'
import { type Departure, LateDepartureError } from './departure.js'
import { exchangeWithin } from './exchange.js'
import { createWarmConnector } from './warm.js'
import { type CallOutcome, readAnswer, type VendorAnswer } from './adapters/answer.js'
import type { CompiledVendor } from './adapters/compiled.js'
import { buildPollRequest, type PollOutcome, readPollAnswer } from './adapters/poll.js'
import { buildRequest, type CallInput, type OutgoingRequest } from './adapters/request.js'
import { describeFailure } from './adapters/text.js'
import type { VendorConfig } from './config.js'
import { UnrecoverableVendorError, VendorError } from './errors.js'
import type { CallStop } from './stop.js'

export type VendorCall = CallInput & {
  /** Stops the call, as a stopping worker does once its grace is over. */
  stop?: CallStop
  /** The job's team, for the metrics the call is counted in. */
  team?: string
  /** When the call was granted (performance.now()), for the lateness it is observed with. */
  grantedAt?: number
  /** The latest the call may leave (performance.now()); later, it is not sent and throws LateDepartureError. */
  departBy?: number
  /** Told when the call left, or would have when too late (performance.now()). */
  departed? (at: number): void
}

/** One undici Pool per vendor, reused for every call and poll; the vendor's adapter shapes each request and reads each answer. */
export interface VendorClient {
  /** A sync vendor's result, or an async or poll vendor's acceptance. Throws VendorError. */
  call (call: VendorCall): Promise<CallOutcome>
  /** How a job an accepting vendor took is going. Throws VendorError. */
  poll (call: VendorCall): Promise<PollOutcome>
  /** Connections the next calls can use without opening one: idle in the pool or opened ahead. */
  ready (): number
  /** Opens connections ahead until the vendor has `n` in all, busy or not (up to its concurrency); resolves once they are open. */
  warm (n: number): Promise<void>
  close (): Promise<void>
}

export function createVendorClient (vendor: VendorConfig, adapter: CompiledVendor): VendorClient {
  const connector = createWarmConnector(new URL(adapter.origin), { timeoutMs: vendor.timeoutMs, max: vendor.concurrency })
  const pool = new Pool(adapter.origin, {
    connections: vendor.concurrency,
    headersTimeout: vendor.timeoutMs,
    bodyTimeout: vendor.timeoutMs,
    // Counted on the wire: past the limit undici stops reading and drops the connection.
    maxResponseSize: vendor.maxResponseBytes,
    connect: connector.connect
  })

  const send = async (request: OutgoingRequest, stop: CallStop | undefined, departure: Departure | undefined): Promise<VendorAnswer> => {
    try {
      return await exchangeWithin(pool, {
        method: request.method as Dispatcher.HttpMethod,
        path: request.path,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body })
      }, { vendor: vendor.name, limitMs: vendor.timeoutMs, maxBytes: vendor.maxResponseBytes, ...(stop === undefined ? {} : { stop }), ...(departure === undefined ? {} : { departure }) })
    } catch (err) {
      if (stop?.aborted === true || err instanceof LateDepartureError) throw err
      // The same question gets the same oversize answer: retrying would only pay for it again.
      if (err instanceof errors.ResponseExceededMaxSizeError) {
        throw new UnrecoverableVendorError(`${vendor.name} answered more than its maxResponseBytes (${vendor.maxResponseBytes} bytes)`)
      }
      throw new VendorError(adapter.redact(`${vendor.name} call failed (${describeFailure(err)})`))
    }
  }

  const exchange = async <T>(build: () => Promise<OutgoingRequest>, read: (sent: OutgoingRequest, answer: VendorAnswer) => Promise<T>, call: VendorCall): Promise<T> => {
    const { stop, departBy, departed } = call
    const request = await build()
    const departure = departBy === undefined ? undefined : { by: departBy, ...(departed === undefined ? {} : { report: departed }) }
    return await read(request, await send(request, stop, departure))
  }

  return {
    call: (call) => exchange(() => buildRequest(adapter, call), (sent, answer) => readAnswer(adapter, call.type, sent, answer, call.pages), call),
    poll: (call) => exchange(() => buildPollRequest(adapter, call), (sent, answer) => readPollAnswer(adapter, sent, answer), call),
    ready: () => pool.stats.free + connector.stashed,
    warm: (n) => connector.warm(n, pool.stats.connected),
    async close () {
      connector.close()
      await pool.close()
    }
  }
}
