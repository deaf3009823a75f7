import { parentPort } from 'node:worker_threads'
import jsonata from 'jsonata'
import { MAX_JSON_DEPTH } from '../../core/input/json-depth.js'
import { MAX_RESULT_CHARS } from '../../core/input/storable.js'
import type { Evaluated, Evaluation } from './expression-pool.js'

/**
 * A worker thread of the expression pool: evaluates mappings apart from the event loop that serves the
 * API and renews leases, so that the pool can stop one that runs past its bound. Its answer is plain data:
 * a jsonata function becomes a marker that kindOf still names as a function.
 */
const compiled = new Map<string, jsonata.Expression>()
const port = parentPort
if (port === null) throw new Error('expression-worker runs as a worker thread')

port.on('message', async ({ id, source, timeoutMs, stack, input }: Evaluation) => {
  let answer: Evaluated
  try {
    const key = `${timeoutMs}:${stack}:${source}`
    let expression = compiled.get(key)
    if (expression === undefined) {
      expression = jsonata(source, { timeout: timeoutMs, stack })
      compiled.set(key, expression)
    }
    answer = { id, value: plain(await expression.evaluate(input), { size: 0 }, 0) }
  } catch (err) {
    const { message, code, position } = (err ?? {}) as { message?: unknown, code?: unknown, position?: unknown }
    answer = {
      id,
      error: {
        message: typeof message === 'string' ? message : String(err),
        ...(typeof code === 'string' ? { code } : {}),
        ...(typeof position === 'number' ? { position } : {})
      }
    }
  }
  port.postMessage(answer)
})
port.postMessage('ready')

/**
 * A result as structured clone carries it: functions (and jsonata's function objects) as a marker. What no
 * job could store (deeper than a client's JSON, larger than a result) stops here, before it is copied over.
 */
function plain (value: unknown, seen: { size: number }, depth: number): unknown {
  if (typeof value === 'function' || isFunction(value)) return { _jsonata_function: true }
  seen.size += typeof value === 'string' ? value.length + 2 : 8
  if (seen.size > MAX_RESULT_CHARS) throw new Error(`yielded more than ${MAX_RESULT_CHARS} characters of data`)
  if (value === null || typeof value !== 'object') return value
  if (depth >= MAX_JSON_DEPTH) throw new Error(`yielded data nested deeper than ${MAX_JSON_DEPTH} levels`)
  if (Array.isArray(value)) return value.map((inner) => plain(inner, seen, depth + 1))
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner, seen, depth + 1)]))
}

function isFunction (value: unknown): boolean {
  return value !== null && typeof value === 'object' && ('_jsonata_lambda' in value || '_jsonata_function' in value)
}
