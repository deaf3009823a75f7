import { DEFAULT_RETRY_ON } from './answer.js'
import type { CompiledCall, CompiledRequest } from './compiled.js'
import type { AdapterSource, RequestMapping, ResponseMapping } from './entry.js'
import { compileExpression, compileOptional, type ExpressionContext } from './expression.js'

/** The vendor's own call mapping, and each declared type's: the type's fields over the vendor's, one by one. */
export function compileCalls (ctx: ExpressionContext, source: AdapterSource): { call: CompiledCall, types: Map<string, CompiledCall> } {
  const call = compileCall(ctx, '', source.request, source.response)
  const types = new Map<string, CompiledCall>()
  for (const [type, spec] of Object.entries(source.types ?? {})) {
    const own = compileCall(ctx, `types.${type}.`, spec.request, spec.response)
    types.set(type, {
      request: mergeRequests(call.request, own.request),
      response: {
        result: own.response.result ?? call.response.result,
        error: own.response.error ?? call.response.error,
        retryOn: spec.response?.retryOn === undefined ? call.response.retryOn : own.response.retryOn
      }
    })
  }
  return { call, types }
}

export function compileRequest (ctx: ExpressionContext, at: string, mapping: RequestMapping): CompiledRequest {
  const each = (kind: 'query' | 'headers') =>
    Object.entries(mapping[kind] ?? {}).map(([key, text]) => [key, compileExpression(ctx, `${at}.${kind}.${key}`, text)] as const)
  return {
    method: mapping.method?.toUpperCase(),
    path: compileOptional(ctx, `${at}.path`, mapping.path),
    query: each('query'),
    headers: each('headers'),
    body: compileOptional(ctx, `${at}.body`, mapping.body)
  }
}

function compileCall (ctx: ExpressionContext, at: string, request: RequestMapping | undefined, response: ResponseMapping | undefined): CompiledCall {
  return {
    request: request === undefined ? undefined : compileRequest(ctx, `${at}request`, request),
    response: {
      result: compileOptional(ctx, `${at}response.result`, response?.result),
      error: compileOptional(ctx, `${at}response.error`, response?.error),
      retryOn: new Set(response?.retryOn ?? DEFAULT_RETRY_ON)
    }
  }
}

/** A type may change its path and keep the vendor's shared headers; header names match whatever their case. */
function mergeRequests (base: CompiledRequest | undefined, own: CompiledRequest | undefined): CompiledRequest | undefined {
  if (base === undefined || own === undefined) return own ?? base
  const headers = new Map([...base.headers, ...own.headers].map(([key, e]) => [key.toLowerCase(), [key, e] as const]))
  return {
    method: own.method ?? base.method,
    path: own.path ?? base.path,
    query: [...new Map([...base.query, ...own.query]).entries()],
    headers: [...headers.values()],
    body: own.body ?? base.body
  }
}
