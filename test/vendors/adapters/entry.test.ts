import { Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { test } from 'tap'
import { firstProblem } from '../../../vendors/adapters/check.js'
import { AdapterFields, AdapterSource, Mode } from '../../../vendors/adapters/entry.js'
import { EXAMPLE, exampleEntry } from './example.js'

test('every entry of vendors.example.json, merged over the defaults, has the documented shape', async (t) => {
  for (const name of Object.keys(EXAMPLE)) t.equal(firstProblem(AdapterSource, exampleEntry(name, 'http://127.0.0.1:1')), undefined, name)
})

test('the fields spread into another object schema, as VendorEntry will take them', async (t) => {
  const Entry = Type.Object({ mode: Type.Optional(Mode), url: Type.Optional(Type.String()), ...AdapterFields }, { additionalProperties: false })
  t.ok(Value.Check(Entry, { mode: 'poll', poll: { request: {}, intervalMs: 500, done: 'true' } }))
  const { rateLimit, ...people } = EXAMPLE.peopleVendor ?? {}
  t.ok(rateLimit, 'the example sets limits too, which VendorEntry has already')
  t.ok(Value.Check(Entry, people))
  t.notOk(Value.Check(Entry, { auth: { type: 'bearer', token: 'inline' } }), 'a secret written in the file is refused')
})

test('a problem is named by its dotted path, and a union by the variant its value names', async (t) => {
  t.same(firstProblem(AdapterSource, { mode: 'sync', url: 'http://x', auth: { type: 'basic', username: 'u', password: { env: '1BAD' } } }), {
    path: 'auth.password.env', message: "Expected string to match '^[A-Za-z_][A-Za-z0-9_]*$'"
  })
  t.same(firstProblem(AdapterSource, { mode: 'sync', url: 'http://x', auth: 'bearer' }), { path: 'auth', message: 'Expected union value' })
  t.same(firstProblem(AdapterSource, { mode: 'sync', url: 'http://x', types: { 'a/b': { payload: { type: 'object' } } } }), {
    path: 'types.a/b', message: 'Unexpected property'
  })
  t.same(firstProblem(AdapterSource, { mode: 'sync', url: 'http://x', request: { headers: { 'Bad Header': "'x'" } } }), {
    path: 'request.headers.Bad Header', message: 'Unexpected property'
  })
  t.same(firstProblem(AdapterSource, { mode: 'sync', url: 'http://x', response: { retryOn: [503, 503] } }), {
    path: 'response.retryOn', message: 'Expected array elements to be unique'
  })
})

test('VENDORS_FILE refuses a bad new field in one line naming the vendor and the field', async (t) => {
  const { mergeVendors } = await import('../../../vendors/config.js')
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ request: { encoding: 'xml' } }, 'VENDORS_FILE is invalid: vendor "v": request.encoding: must be one of "json", "form", "multipart", "raw"'],
    [{ pages: { next: 'links.next', items: 'body', maxPages: 0 } }, 'VENDORS_FILE is invalid: vendor "v": pages.maxPages: Expected integer to be greater or equal to 1'],
    [{ limits: { headers: { resetFormat: 'ms' } } }, 'VENDORS_FILE is invalid: vendor "v": limits.headers.resetFormat: must be one of "epoch-seconds", "delta-seconds"'],
    [{ auth: { type: 'basic', username: { env: 'bad name' } } }, "VENDORS_FILE is invalid: vendor \"v\": auth.username.env: Expected string to match '^[A-Za-z_][A-Za-z0-9_]*$'"]
  ]
  for (const [fields, message] of cases) {
    t.throws(() => mergeVendors({}, { v: { mode: 'sync', url: 'http://127.0.0.1:9', ...fields } }), { message }, message)
  }
})
