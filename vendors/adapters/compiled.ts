import type { RateLimitHeaders } from '../rate-limit.js'
import type { Authenticator } from './auth.js'
import type { Encoding, FormArrays } from './body.js'
import type { Mode } from './entry.js'
import type { Expr } from './expression.js'
import type { IncomingHeaders, Verifier } from './signatures.js'

/** A vendor entry made ready at start: expressions compiled, secrets read, signature scheme chosen. */
export interface CompiledVendor {
  readonly name: string
  readonly mode: Mode
  /** Where every call goes: from the configured url, never from a mapping. */
  readonly origin: string
  /** The url's own path and query: where a call goes when no mapping names a path. */
  readonly basePath: string
  readonly auth: Authenticator
  /** The vendor-level call, and one per declared job type (the type's fields over the vendor's). */
  readonly call: CompiledCall
  readonly types: ReadonlyMap<string, CompiledCall>
  readonly accepted?: Expr
  readonly webhook?: CompiledWebhook
  readonly poll?: CompiledPoll
  /** The vendor's own rate-limit headers: which to read (undefined: the standard ones), or false for none. */
  readonly rateLimitHeaders?: RateLimitHeaders
  /** `text` with every secret of this vendor replaced, for anything that quotes the vendor or a mapping. */
  redact (text: string): string
}

export interface CompiledRequest {
  method?: string
  path?: Expr
  query: ReadonlyArray<readonly [string, Expr]>
  headers: ReadonlyArray<readonly [string, Expr]>
  body?: Expr
  /** Absent: json. */
  encoding?: Encoding
  /** Absent: brackets. */
  formArrays?: FormArrays
}

export interface CompiledCall {
  /** Absent: our own protocol, `POST <url>` with `{request_id, payload, callback_url}`. */
  request?: CompiledRequest
  response: { result?: Expr, error?: Expr, retryable?: Expr, retryOn: ReadonlySet<number> }
  /** The answer comes a page at a time: each page one call. */
  pages?: CompiledPages
}

export interface CompiledPages {
  next: Expr
  items: Expr
  maxPages: number
  maxItems?: number
}

export interface CompiledWebhook {
  verify: Verifier
  requestId?: Expr
  vendorRef?: Expr
  result: Expr
  error: Expr
}

export interface CompiledPoll {
  request: CompiledRequest
  intervalMs: number
  done: Expr
  failed?: Expr
  result?: Expr
  error?: Expr
}

/** What response expressions see: `body` is the parsed JSON, or the text when it is not JSON. */
export interface AnswerView {
  status: number
  headers: IncomingHeaders
  body: unknown
}
