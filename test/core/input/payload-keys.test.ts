import { test } from 'tap'
import { forbiddenKey } from '../../../core/input/payload-keys.js'

const anyMode = { dollarPrefix: false }
const fullMode = { dollarPrefix: true }

test('a key with a NUL byte is refused at any depth, in objects and in arrays', async (t) => {
  for (const value of [{ 'a\0b': 1 }, { a: { b: [{ c: 1 }, { 'd\0': 2 }] } }, [[{ '\0': null }]]]) {
    t.match(forbiddenKey(value, anyMode), { reason: /NUL byte/ }, JSON.stringify(value))
  }
  t.match(forbiddenKey({ a: { 'x\0y': 1 } }, anyMode), { key: 'x\0y' }, 'and named')
})

test('a key starting with $ is refused only where MongoDB holds the payload', async (t) => {
  const value = { filter: { $gt: 5 } }
  t.equal(forbiddenKey(value, anyMode), undefined)
  t.same(forbiddenKey(value, fullMode), { key: '$gt', reason: 'it starts with "$", which MongoDB reserves for operators' })
  t.equal(forbiddenKey({ 'price$': 1, 'a.b': 2 }, fullMode), undefined, 'only a leading $')
})

test('__proto__, and a constructor holding a prototype, are refused as parsed from JSON', async (t) => {
  t.match(forbiddenKey(JSON.parse('{"a":{"__proto__":{"admin":true}}}'), anyMode), { key: '__proto__', reason: /prototype/ })
  t.match(forbiddenKey(JSON.parse('{"constructor":{"prototype":{"admin":true}}}'), anyMode), { key: 'constructor' })
  t.equal(forbiddenKey({ constructor: 'a class name', prototype: 1 }, anyMode), undefined, 'the words alone are data')
})

test('plain payloads pass, however they mix values', async (t) => {
  t.equal(forbiddenKey({ type: 'user_data', userId: 123, tags: ['a', null], deep: { x: [1, { y: true }] } }, anyMode), undefined)
  for (const value of [null, 5, 'text', [], {}]) t.equal(forbiddenKey(value, fullMode), undefined, JSON.stringify(value))
})

test('a payload nested far deeper than the call stack allows is walked without overflowing it', async (t) => {
  let value: unknown = { 'last\0': 1 }
  for (let i = 0; i < 200_000; i++) value = i % 2 === 0 ? [value] : { v: value }
  t.match(forbiddenKey(value, anyMode), { key: 'last\0' })
})
