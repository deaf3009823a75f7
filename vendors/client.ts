import { errors, Pool } from 'undici'
import type { VendorConfig } from './config.js'
import { UnrecoverableVendorError, VendorError } from './errors.js'
import { parseRetryAfter } from './retry-after.js'

export interface VendorCall {
  requestId: string
  payload: Record<string, unknown>
  /** Set for async vendors: where they post their result. */
  callbackUrl?: string
  /** Aborts the call, as a stopping worker does once its grace is over. */
  signal?: AbortSignal
}

/** One undici Pool per vendor, reused for every call. */
export interface VendorClient {
  /** A sync vendor's result, or undefined once an async vendor accepted the call. Throws VendorError. */
  call (call: VendorCall): Promise<unknown>
  close (): Promise<void>
}

const SNIPPET = 200

export function createVendorClient (vendor: VendorConfig): VendorClient {
  const url = new URL(vendor.url)
  const path = `${url.pathname}${url.search}`
  const pool = new Pool(url.origin, {
    connections: vendor.concurrency,
    headersTimeout: vendor.timeoutMs,
    bodyTimeout: vendor.timeoutMs,
    // Counted on the wire: past the limit undici stops reading and drops the connection.
    maxResponseSize: vendor.maxResponseBytes
  })
  const fail = (what: string, text?: string): string =>
    `${vendor.name} ${what}${text === undefined ? '' : `: ${snippet(text)}`}`

  return {
    async call ({ requestId, payload, callbackUrl, signal }) {
      const body = JSON.stringify({ request_id: requestId, payload, callback_url: callbackUrl })
      let status: number
      let headers: Record<string, string | string[] | undefined>
      let text: string
      try {
        const res = await pool.request({
          method: 'POST',
          path,
          headers: { 'content-type': 'application/json', 'idempotency-key': requestId },
          body,
          signal: signal === undefined ? AbortSignal.timeout(vendor.timeoutMs) : AbortSignal.any([AbortSignal.timeout(vendor.timeoutMs), signal])
        })
        status = res.statusCode
        headers = res.headers
        // A declared length over the limit fails at once, without waiting for the body.
        if (Number(headers['content-length']) > vendor.maxResponseBytes) {
          res.body.destroy()
          throw new errors.ResponseExceededMaxSizeError()
        }
        text = await res.body.text()
      } catch (err) {
        if (signal?.aborted) throw err
        // The same question gets the same oversize answer: retrying would only pay for it again.
        if (err instanceof errors.ResponseExceededMaxSizeError) {
          throw new UnrecoverableVendorError(fail(`answered more than its maxResponseBytes (${vendor.maxResponseBytes} bytes)`))
        }
        throw new VendorError(fail(`call failed (${describe(err)})`))
      }
      if (status === 429 || status >= 500) {
        throw new VendorError(fail(`answered ${status}`, text), parseRetryAfter(headers['retry-after']), status)
      }
      if (status < 200 || status >= 300) throw new UnrecoverableVendorError(fail(`rejected the call with ${status}`, text), undefined, status)
      if (vendor.mode === 'async') return undefined
      let result: unknown
      try {
        result = JSON.parse(text)
      } catch {
        throw new VendorError(fail(`answered ${status} with a body that is not JSON`, text))
      }
      if (result === null || typeof result !== 'object' || Array.isArray(result)) {
        throw new VendorError(fail(`answered ${status} with JSON that is not an object`, text))
      }
      return result
    },
    async close () {
      await pool.close()
    }
  }
}

function describe (err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'timed out'
    const code = (err as { code?: unknown }).code
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message
  }
  return String(err)
}

function snippet (text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  if (flat === '') return '(empty body)'
  return flat.length > SNIPPET ? `${flat.slice(0, SNIPPET)}…` : flat
}
