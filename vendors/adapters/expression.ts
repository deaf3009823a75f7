import jsonata from 'jsonata'
import { AdapterConfigError, MappingError } from './errors.js'
import { evaluateApart } from './expression-pool.js'

/** Bounds one evaluation: a runaway mapping fails its job instead of holding the worker's event loop. */
export const DEFAULT_EVAL_TIMEOUT_MS = 100
/** jsonata's own recursion guard, at the depth its test suite uses for runaway expressions. */
const MAX_DEPTH = 500
/**
 * Built-ins whose one call can outlast any timeout between jsonata's steps: superlinear in their input
 * ($distinct, $sort), driven by a regular expression, sized by their arguments ($pad, the range operator),
 * or evaluating text as an expression ($eval). A mapping naming one runs in a worker thread.
 */
const UNBOUNDED = new Set(['distinct', 'sort', 'shuffle', 'pad', 'match', 'contains', 'replace', 'split', 'eval', 'formatNumber', 'formatBase', 'formatInteger', 'parseInteger'])
/**
 * Input up to this size (characters plus a few per value: about the default maxResponseBytes) is mapped in
 * process by a mapping without them: one linear built-in over it costs about what parsing the answer did.
 */
const SMALL_INPUT = 1024 * 1024

export interface ExpressionContext {
  vendor: string
  timeoutMs: number
  /** Applied to run-time error messages, which may quote a vendor's answer. */
  redact: (text: string) => string
}

/** A compiled expression that knows the field it came from, so that every error can name it. */
export interface Expr {
  readonly field: string
  evaluate (input: unknown): Promise<unknown>
}

/**
 * Compiled once, at start. jsonata's `timeout` and `stack` options bound each evaluation on its own;
 * the older timeboxing pattern (`assign` of entry and exit callbacks) shares its clock and depth across
 * every evaluation of the expression, which is wrong for one expression evaluated by concurrent jobs.
 * Those bounds are checked between steps only: a mapping that may spend long in one built-in, or whose
 * input is large, runs in a worker thread that is stopped at its bound (expression-pool.ts).
 */
export function compileExpression (ctx: ExpressionContext, field: string, source: string): Expr {
  let compiled: jsonata.Expression
  try {
    compiled = jsonata(source, { timeout: ctx.timeoutMs, stack: MAX_DEPTH })
  } catch (err) {
    const hint = source.startsWith('/') ? ` (a constant path is a quoted string: "'${source}'")` : ''
    throw new AdapterConfigError(ctx.vendor, field, `${describe(err)}${hint}`)
  }
  const unbounded = namesUnbounded(compiled.ast())
  return {
    field,
    async evaluate (input) {
      try {
        if (!unbounded && isSmall(input)) return await compiled.evaluate(input)
        const answer = await evaluateApart({ source, timeoutMs: ctx.timeoutMs, stack: MAX_DEPTH, input })
        if ('error' in answer) throw answer.error
        return answer.value
      } catch (err) {
        throw new MappingError(ctx.vendor, field, ctx.redact(describe(err)))
      }
    }
  }
}

/** Whether an expression calls (or names, to call later) an UNBOUNDED built-in, uses a regular expression or builds a range. */
function namesUnbounded (node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false
  const { type, value } = node as { type?: unknown, value?: unknown }
  if (type === 'variable' && typeof value === 'string' && UNBOUNDED.has(value)) return true
  if (type === 'regex' || (type === 'binary' && value === '..')) return true
  return Object.values(node).some(namesUnbounded)
}

/** Sizes already measured: the fields of one answer (`response.error`, then `response.result`) share its view. */
const measured = new WeakMap<object, boolean>()

/** Whether `input` is within SMALL_INPUT, counted with a stack of its own and given up on as soon as it is not. */
function isSmall (input: unknown): boolean {
  if (input === null || typeof input !== 'object') return true
  const known = measured.get(input)
  if (known !== undefined) return known
  let budget = SMALL_INPUT
  const stack: unknown[] = [input]
  while (stack.length > 0 && budget >= 0) {
    const item = stack.pop()
    budget -= typeof item === 'string' ? item.length + 8 : 8
    if (Array.isArray(item)) for (const inner of item) stack.push(inner)
    else if (item !== null && typeof item === 'object') for (const key in item) stack.push((item as Record<string, unknown>)[key])
  }
  measured.set(input, budget >= 0)
  return budget >= 0
}

export function compileOptional (ctx: ExpressionContext, field: string, source: string | undefined): Expr | undefined {
  return source === undefined ? undefined : compileExpression(ctx, field, source)
}

/** jsonata throws plain objects `{code, message, position}`, not Errors. */
function describe (err: unknown): string {
  if (err !== null && typeof err === 'object') {
    const { message, code, position } = err as { message?: unknown, code?: unknown, position?: unknown }
    const text = typeof message === 'string' ? message : String(err)
    const where = typeof position === 'number' ? ` at ${position}` : ''
    return typeof code === 'string' ? `${text} (${code}${where})` : text
  }
  return String(err)
}

/** How a value is named in "yielded a number, expected a string". */
export function kindOf (value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'function' || isJsonataFunction(value)) return 'a function'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}

export function wrongType (vendor: string, field: string, value: unknown, expected: string): MappingError {
  return new MappingError(vendor, field, `yielded ${kindOf(value)}, expected ${expected}`)
}

/**
 * `value` as plain JSON data, or a MappingError: jsonata may yield functions, and its sequences are arrays
 * with extra properties, none of which a job may store. `redact`, when given, applies to every string.
 */
export function toJson (vendor: string, field: string, value: unknown, redact: (text: string) => string = (text) => text): unknown {
  const seen = (item: unknown, depth: number): unknown => {
    if (depth > 64) throw new MappingError(vendor, field, 'yielded data nested deeper than 64 levels')
    if (typeof item === 'string') return redact(item)
    if (item === null || typeof item === 'boolean') return item
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) throw wrongType(vendor, field, item, 'a finite number')
      return item
    }
    if (Array.isArray(item)) return item.map((inner) => seen(inner, depth + 1))
    if (isPlainObject(item)) {
      const out: Record<string, unknown> = {}
      // Defined, not assigned: a `__proto__` key stays a key (which the store then refuses, as it refuses the
      // same answer unmapped) instead of silently changing the object's prototype.
      for (const [key, inner] of Object.entries(item)) {
        if (inner !== undefined) Object.defineProperty(out, redact(key), { value: seen(inner, depth + 1), enumerable: true, writable: true, configurable: true })
      }
      return out
    }
    throw wrongType(vendor, field, item, 'JSON data')
  }
  return seen(value, 0)
}

/** jsonata builds its objects without a prototype, and represents its functions as objects. */
function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || isJsonataFunction(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function isJsonataFunction (value: unknown): boolean {
  return value !== null && typeof value === 'object' && ('_jsonata_lambda' in value || '_jsonata_function' in value)
}

/** A string, or a number written as one (vendors' ids are often numbers); undefined stays undefined. */
export function optionalString (vendor: string, field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  throw wrongType(vendor, field, value, 'a string')
}

/** A condition: true, false, or nothing (false). */
export function condition (vendor: string, field: string, value: unknown): boolean {
  if (value === undefined) return false
  if (typeof value === 'boolean') return value
  throw wrongType(vendor, field, value, 'true or false')
}

/** An error expression: a non-empty string fails the job; nothing, null, false or "" mean no error. */
export function errorText (vendor: string, field: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === false || value === '') return undefined
  if (typeof value === 'string') return value
  throw wrongType(vendor, field, value, 'a string (the error) or nothing')
}
