import { DEFAULT_RETRY_ON } from './answer.js'
import type { CompiledCall, CompiledPages, CompiledRequest } from './compiled.js'
import type { AdapterSource, Pages, RequestMapping, ResponseMapping } from './entry.js'
import { compileExpression, compileOptional, type ExpressionContext } from './expression.js'

/** The vendor's own call mapping, and each declared type's: the type's fields over the vendor's, one by one. */
export function compileCalls (ctx: ExpressionContext, source: AdapterSource): { call: CompiledCall, types: Map<string, CompiledCall> } {
  const call = compileCall(ctx, '', source.request, source.response, source.pages)
  const types = new Map<string, CompiledCall>()
  for (const [type, spec] of Object.entries(source.types ?? {})) {
    const own = compileCall(ctx, `types.${type}.`, spec.request, spec.response, spec.pages)
    const pages = own.pages ?? call.pages
    types.set(type, {
      request: mergeRequests(call.request, own.request),
      response: {
        result: own.response.result ?? call.response.result,
        error: own.response.error ?? call.response.error,
        retryable: own.response.retryable ?? call.response.retryable,
        retryOn: spec.response?.retryOn === undefined ? call.response.retryOn : own.response.retryOn
      },
      ...(pages === undefined ? {} : { pages })
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
    body: compileOptional(ctx, `${at}.body`, mapping.body),
    encoding: mapping.encoding,
    formArrays: mapping.formArrays
  }
}

function compileCall (
  ctx: ExpressionContext,
  at: string,
  request: RequestMapping | undefined,
  response: ResponseMapping | undefined,
  pages: Pages | undefined
): CompiledCall {
  return {
    request: request === undefined ? undefined : compileRequest(ctx, `${at}request`, request),
    response: {
      result: compileOptional(ctx, `${at}response.result`, response?.result),
      error: compileOptional(ctx, `${at}response.error`, response?.error),
      retryable: compileOptional(ctx, `${at}response.retryable`, response?.retryable),
      retryOn: new Set(response?.retryOn ?? DEFAULT_RETRY_ON)
    },
    ...(pages === undefined ? {} : { pages: compilePages(ctx, `${at}pages`, pages) })
  }
}

/** Ten pages unless told: a cursor that never ends must still end the job. */
function compilePages (ctx: ExpressionContext, at: string, pages: Pages): CompiledPages {
  return {
    next: compileExpression(ctx, `${at}.next`, pages.next),
    items: compileExpression(ctx, `${at}.items`, pages.items),
    maxPages: pages.maxPages ?? 10,
    ...(pages.maxItems === undefined ? {} : { maxItems: pages.maxItems })
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
    body: own.body ?? base.body,
    encoding: own.encoding ?? base.encoding,
    formArrays: own.formArrays ?? base.formArrays
  }
}
