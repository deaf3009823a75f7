import { test } from 'tap'
import { MAX_ERROR_CHARS, MAX_RESULT_CHARS, storableResult, storableTexts } from '../../../core/input/storable.js'

const ANY = { dollarPrefix: false }
const deep = (depth: number): unknown => {
  let value: unknown = {}
  for (let i = 0; i < depth; i++) value = { a: value }
  return value
}

test('a result nested no deeper than a client\'s JSON may be is kept, one level more is refused without recursion trouble', async (t) => {
  t.match(storableResult(deep(63), ANY), { ok: true })
  t.same(storableResult(deep(64), ANY), { ok: false, problem: 'it is nested deeper than 64 levels' })
  t.same(storableResult(JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`), ANY), { ok: false, problem: 'it is nested deeper than 64 levels' })
})

test('a result larger than a store keeps, or holding a number JSON cannot carry, is refused with the reason', async (t) => {
  t.same(storableResult({ big: 'x'.repeat(MAX_RESULT_CHARS) }, ANY), { ok: false, problem: `it is larger than ${MAX_RESULT_CHARS} characters of JSON` })
  t.same(storableResult(Array.from({ length: 10 }, () => 'x'.repeat(MAX_RESULT_CHARS / 8)), ANY), { ok: false, problem: `it is larger than ${MAX_RESULT_CHARS} characters of JSON` })
  t.same(storableResult(JSON.parse('{"n": 1e400}'), ANY), { ok: false, problem: 'it holds a number beyond what JSON can carry' })
  t.same(storableResult({ f: () => 1 }, ANY), { ok: false, problem: 'it holds a function, which is not JSON data' })
  t.match(storableResult(JSON.parse('{"n": 123456789012345678901234567890, "small": -1e-300}'), ANY), { ok: true })
})

test('keys a store refuses are refused in results as in payloads, the dollar only where MongoDB keeps the jobs', async (t) => {
  t.match(storableResult({ a: { 'k\u0000': 1 } }, ANY), { ok: false, problem: /^its key "k\\u0000": it contains a NUL byte/ })
  t.match(storableResult(JSON.parse('{"__proto__": {"x": 1}}'), ANY), { ok: false, problem: /^its key "__proto__": it could replace the prototype/ })
  t.match(storableResult({ $ref: '#/a' }, ANY), { ok: true })
  t.match(storableResult({ $ref: '#/a' }, { dollarPrefix: true }), { ok: false, problem: /MongoDB/ })
  t.same(storableResult({ text: 'nul \u0000 in a value is data' }, ANY), { ok: true, value: { text: 'nul \u0000 in a value is data' } })
})

test('lone surrogates in values and keys are replaced, and a result that needed nothing is the same object', async (t) => {
  const clean = { a: [1, 'two', { three: null }], emoji: '😀' }
  const kept = storableResult(clean, ANY)
  t.ok(kept.ok && kept.value === clean)
  const fixed = storableResult(JSON.parse('{"v": "\\ud800", "list": ["ok", "\\udc00x"], "\\ud83d": true}'), ANY)
  t.same(fixed, { ok: true, value: { v: '\ufffd', list: ['ok', '\ufffdx'], '\ufffd': true } })
})

test('an error is cut on code points and made well formed; a vendor id well formed', async (t) => {
  const change = storableTexts({ status: 'failed', error: `${'e'.repeat(MAX_ERROR_CHARS - 1)}😀😀`, lastError: 'half \ud83d', vendorRef: 'id\udfff' })
  t.equal(change.error, `${'e'.repeat(MAX_ERROR_CHARS - 1)}😀…`)
  t.equal(change.lastError, 'half \ufffd')
  t.equal(change.vendorRef, 'id\ufffd')
  t.same(storableTexts({ error: null, lastError: null }), { error: null, lastError: null }, 'removals stay removals')
})
