import { test } from 'tap'
import { storableResult } from '../../../core/input/storable.js'
import { readAnswer } from '../../../vendors/adapters/answer.js'
import { MappingError } from '../../../vendors/adapters/errors.js'
import { compileVendor } from '../../../vendors/adapters/mapping.js'
import { buildPollRequest, readPollAnswer } from '../../../vendors/adapters/poll.js'
import { buildRequest } from '../../../vendors/adapters/request.js'
import { toJson } from '../../../vendors/adapters/expression.js'
import { call } from './example.js'

const URL = 'http://127.0.0.1:9'
const RUNAWAY = '($f := function($x){$f($x)}; $f(1))'
const DEEP = '($f := function($x){ 1 + $f($x) }; $f(1))'

function vendor (response: Record<string, unknown>, request: Record<string, unknown> = {}) {
  return compileVendor('v', { mode: 'sync', url: URL, request: { path: "'/x'", ...request }, response }, { env: {}, evalTimeoutMs: 100 })
}

const answer = (body: unknown, status = 200) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const sent = { method: 'POST', origin: URL, path: '/x', headers: {} }

test('a runaway expression fails its job within the time bound instead of hanging the worker', async (t) => {
  for (const runaway of [RUNAWAY, DEEP]) {
    const started = performance.now()
    const err = await readAnswer(vendor({ result: runaway }), undefined, sent, answer({})).catch((e: unknown) => e)
    const took = performance.now() - started
    t.type(err, MappingError, runaway)
    t.match((err as Error).message, /^vendor "v": response\.result: (Evaluation timeout after 100 milliseconds|Stack overflow).*\(D101[12] at \d+\)$/)
    t.ok(took < 1000, `stopped after ${Math.round(took)} ms`)
  }
})

test('one slow evaluation does not use up the time of another evaluating alongside it', async (t) => {
  const v = vendor({ result: `body.slow ? ${RUNAWAY} : body` })
  const [slow, quick] = await Promise.allSettled([
    readAnswer(v, undefined, sent, answer({ slow: true })),
    readAnswer(v, undefined, sent, answer({ quick: true }))
  ])
  t.equal(slow.status, 'rejected')
  t.same(quick, { status: 'fulfilled', value: { kind: 'result', result: { quick: true } } })
})

test('an expression that throws at run time names the vendor, the field and jsonata\'s reason', async (t) => {
  const v = vendor({}, { query: { n: '$number(payload.email)' } })
  await t.rejects(buildRequest(v, call({ email: 'ada@example.com' })), {
    name: 'MappingError',
    code: 'VFS_ERR_VENDOR_MAPPING',
    message: 'vendor "v": request.query.n: Unable to cast value to a number: "ada@example.com" (D3030 at 8)'
  })
})

test('a mapping that yields the wrong type names the field and what it wanted', async (t) => {
  const cases: Array<[Promise<unknown>, string]> = [
    [buildRequest(vendor({}, { path: '42' }), call({})), 'vendor "v": request.path: yielded a number, expected a string'],
    [buildRequest(vendor({}, { query: { q: 'payload' } }), call({ a: 1 })),
      'vendor "v": request.query.q: yielded an object, expected a string, number, boolean, a list of them, or nothing'],
    [buildRequest(vendor({}, { headers: { 'X-A': '[1, {}]' } }), call({})), 'vendor "v": request.headers.X-A: yielded an array, expected a string, number, boolean or nothing'],
    [buildRequest(vendor({}, { body: 'function($x){$x}' }), call({})), 'vendor "v": request.body: yielded a function, expected JSON data'],
    [readAnswer(vendor({ result: '$sum' }), undefined, sent, answer({})), 'vendor "v": response.result: yielded a function, expected JSON data'],
    [readAnswer(vendor({ error: 'body.code' }), undefined, sent, answer({ code: 7 })), 'vendor "v": response.error: yielded a number, expected a string (the error) or nothing']
  ]
  for (const [pending, message] of cases) await t.rejects(pending, { name: 'MappingError', message })
})

test('poll conditions must be true or false, and a vendor ref a string or number', async (t) => {
  const poll = compileVendor('p', {
    mode: 'poll',
    url: URL,
    accepted: { vendorRef: 'body.id' },
    poll: { request: { path: "'/jobs/' & vendor_ref" }, intervalMs: 100, done: 'body.state' }
  }, { env: {} })
  const req = await buildPollRequest(poll, call({}, { vendorRef: '1' }))
  await t.rejects(readPollAnswer(poll, req, answer({ state: 'done' })), { message: 'vendor "p": poll.done: yielded a string, expected true or false' })
  t.same(await readAnswer(poll, undefined, sent, answer({ id: 1234 })), { kind: 'accepted', vendorRef: '1234' })
  await t.rejects(readAnswer(poll, undefined, sent, answer({ id: { nested: 1 } })), { message: 'vendor "p": accepted.vendorRef: yielded an object, expected a string' })
})

/** The longest the event loop went without running a 5 ms timer while `work` ran. */
async function longestStall<T> (work: () => Promise<T>): Promise<{ value: T | Error, stallMs: number, tookMs: number }> {
  let last = performance.now()
  let stallMs = 0
  const tick = setInterval(() => {
    const now = performance.now()
    stallMs = Math.max(stallMs, now - last)
    last = now
  }, 5)
  const started = performance.now()
  const value = await work().catch((err: Error) => err)
  clearInterval(tick)
  stallMs = Math.max(stallMs, performance.now() - last)
  return { value, stallMs, tookMs: performance.now() - started }
}

test('a built-in that outlasts every step ($distinct of 12,000 objects) is stopped at its bound while the event loop stays free', async (t) => {
  const items = Array.from({ length: 12_000 }, (_, i) => ({ i, s: `item ${i}` }))
  const v = vendor({ result: '$distinct(body.items)' })
  await readAnswer(v, undefined, sent, answer({ items: [1, 1] }))
  const { value, stallMs, tookMs } = await longestStall(() => readAnswer(v, undefined, sent, answer({ items })))
  t.type(value, MappingError)
  t.equal((value as Error).message, 'vendor "v": response.result: ran past its 100 ms bound and was stopped')
  t.ok(tookMs < 2_000, `stopped after ${Math.round(tookMs)} ms`)
  t.ok(stallMs < 250, `the event loop ran timers throughout (longest gap ${Math.round(stallMs)} ms)`)
  t.same(await readAnswer(v, undefined, sent, answer({ items: [1, 2, 1] })), { kind: 'result', result: [1, 2] }, 'and the next evaluation has a thread again')
})

test('a large answer is mapped apart from the event loop, with the same results and errors as in process', async (t) => {
  // Over a MiB as the mapping sees it: past what is mapped in process.
  const people = Array.from({ length: 25_000 }, (_, i) => ({ name: `person ${i}`, email: `p${i}@example.com` }))
  const v = vendor({ result: '{"count": $count(body.people), "last": body.people[-1].name}' })
  t.same(await readAnswer(v, undefined, sent, answer({ people })), { kind: 'result', result: { count: 25_000, last: 'person 24999' } })
  const cases: Array<[Promise<unknown>, string | RegExp]> = [
    [readAnswer(vendor({ result: '$distinct' }), undefined, sent, answer({})), 'vendor "v": response.result: yielded a function, expected JSON data'],
    [readAnswer(vendor({ result: '$number(body.people[0].name)' }), undefined, sent, answer({ people })), 'vendor "v": response.result: Unable to cast value to a number: "person 0" (D3030 at 8)'],
    // jsonata's own step timeout, or, when a busy machine lets the thread run past it unchecked, the pool's hard stop.
    [readAnswer(vendor({ result: RUNAWAY }), undefined, sent, answer({ people })), /^vendor "v": response\.result: (Evaluation timeout after 100 milliseconds\. Check for infinite loop \(D1012 at \d+\)|ran past its 100 ms bound and was stopped)$/]
  ]
  for (const [pending, message] of cases) await t.rejects(pending, { name: 'MappingError', message })
  t.same(await readAnswer(vendor({ result: "$contains(body.s, /b+/) ? 'found' : 'not'" }), undefined, sent, answer({ s: 'abba' })), { kind: 'result', result: 'found' }, 'a regular expression, apart too')
})

test('evaluations apart wait their turn for a thread, and a thread stopped at its bound is replaced for the next ones', async (t) => {
  const v = vendor({ result: '$distinct(body.items)' })
  const heavy = Array.from({ length: 12_000 }, (_, i) => ({ i }))
  const runs = Array.from({ length: 12 }, (_, n) => readAnswer(v, undefined, sent, answer({ items: n % 6 === 0 ? heavy : [n, n, n + 1] })).catch((err: Error) => err))
  const settled = await Promise.all(runs)
  settled.forEach((value, n) => {
    if (n % 6 === 0) t.match(value, { name: 'MappingError', message: /ran past its 100 ms bound and was stopped$/ }, `heavy ${n}`)
    else t.same(value, { kind: 'result', result: [n, n + 1] }, `light ${n}`)
  })
})

test('a mapped result keeps a __proto__ key as a key, for the store to refuse as it refuses the answer unmapped', async (t) => {
  const mapped = toJson('v', 'response.result', JSON.parse('{"a":1,"__proto__":{"polluted":true}}')) as Record<string, unknown>
  t.same(Object.keys(mapped), ['a', '__proto__'])
  t.equal(Object.getPrototypeOf(mapped), Object.prototype, 'its prototype untouched')
  t.match(storableResult(mapped, { dollarPrefix: false }), { ok: false, problem: /__proto__/ })
})
