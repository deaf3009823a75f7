import { test } from 'tap'
import { encodeBody } from '../../../vendors/adapters/body.js'
import { MappingError } from '../../../vendors/adapters/errors.js'

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80, 0xc2])

/** A form body's fields in order, decoded. */
const fields = (body: string | Buffer): string[][] => [...new URLSearchParams(body.toString())].map(([k, v]) => [k, v])

test('json, the default, sends a string as text and anything else as JSON', async (t) => {
  t.same(encodeBody('v', 'request.body', 'a=1', 'json', 'brackets'), { body: 'a=1', contentType: 'text/plain; charset=utf-8' })
  t.same(encodeBody('v', 'request.body', { a: [1, { b: null }] }, 'json', 'brackets'), { body: '{"a":[1,{"b":null}]}', contentType: 'application/json' })
})

test('form nests objects as a[b] and lists arrays in the style asked for; null is an empty value, nothing is left out', async (t) => {
  const value = { amount: 2000, currency: 'usd', capture: false, metadata: { order: 'A-1', note: null, skip: undefined }, expand: ['customer', 'invoice'] }
  const brackets = encodeBody('v', 'request.body', value, 'form', 'brackets')
  t.equal(brackets.contentType, 'application/x-www-form-urlencoded')
  t.same(fields(brackets.body), [
    ['amount', '2000'], ['currency', 'usd'], ['capture', 'false'], ['metadata[order]', 'A-1'], ['metadata[note]', ''],
    ['expand[]', 'customer'], ['expand[]', 'invoice']
  ])
  t.same(fields(encodeBody('v', 'b', { a: [1, 2] }, 'form', 'repeat').body), [['a', '1'], ['a', '2']])
  t.same(fields(encodeBody('v', 'b', { a: [1, 2] }, 'form', 'indices').body), [['a[0]', '1'], ['a[1]', '2']])
  t.same(fields(encodeBody('v', 'b', { items: [{ price: 'p_1', qty: 2 }] }, 'form', 'brackets').body), [['items[0][price]', 'p_1'], ['items[0][qty]', '2']],
    'arrays of objects take indices whatever the style')
  t.equal(encodeBody('v', 'b', { q: 'a b&c=d/é' }, 'form', 'brackets').body, 'q=a+b%26c%3Dd%2F%C3%A9')
})

test('a form body must be an object of data: anything else, a file, or a function is a mapping error naming the field', async (t) => {
  for (const value of ['text', [1], 3]) t.throws(() => encodeBody('v', 'request.body', value, 'form', 'brackets'), MappingError)
  t.throws(() => encodeBody('v', 'request.body', { f: { base64: 'AAAA' } }, 'form', 'brackets'), { message: 'vendor "v": request.body: yielded a file at f, which only a multipart body can carry' })
  t.throws(() => encodeBody('v', 'request.body', { n: Number.NaN }, 'form', 'brackets'), { message: /n, which a form cannot carry/ })
})

test('multipart sends fields as text and files as their exact bytes, which a real parser reads back', async (t) => {
  const value = { purpose: 'dispute_evidence', file: { base64: PNG.toString('base64'), filename: 'logo "1".png', contentType: 'image/png' }, link: { create: true }, tags: ['a', 'b'] }
  const { body, contentType } = encodeBody('v', 'request.body', value, 'multipart', 'brackets')
  t.ok(Buffer.isBuffer(body), 'bytes, never text')
  t.match(contentType, /^multipart\/form-data; boundary=----vfs[0-9a-f]{24}$/)
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData()
  t.equal(form.get('purpose'), 'dispute_evidence')
  t.equal(form.get('link[create]'), 'true')
  t.same(form.getAll('tags[]'), ['a', 'b'])
  const file = form.get('file') as File
  t.equal(file.name, 'logo "1".png', 'the quote escaped as browsers do, and read back')
  t.equal(file.type, 'image/png')
  t.same(Buffer.from(await file.arrayBuffer()), PNG, 'byte for byte, 0x89 and 0xc2 included')
  t.not(encodeBody('v', 'b', value, 'multipart', 'brackets').contentType, contentType, 'each body has a boundary of its own')
})

test('raw sends a string as it is, or {base64} as bytes, with a default content type the mapping may replace', async (t) => {
  t.same(encodeBody('v', 'b', '<xml/>', 'raw', 'brackets'), { body: '<xml/>', contentType: 'text/plain; charset=utf-8' })
  const bytes = encodeBody('v', 'b', { base64: PNG.toString('base64') }, 'raw', 'brackets')
  t.same(bytes, { body: PNG, contentType: 'application/octet-stream' })
  t.equal(encodeBody('v', 'b', { base64: 'AAAA', contentType: 'image/png' }, 'raw', 'brackets').contentType, 'image/png')
  t.throws(() => encodeBody('v', 'request.body', { a: 1 }, 'raw', 'brackets'), { message: 'vendor "v": request.body: yielded an object, expected a string or {base64} for a raw body' })
  t.throws(() => encodeBody('v', 'request.body', { base64: 'not base64!' }, 'raw', 'brackets'), { message: 'vendor "v": request.body: yielded a file whose base64 is malformed' })
  t.throws(() => encodeBody('v', 'request.body', { f: { base64: 'AAAA', filename: 'a\r\nb' } }, 'multipart', 'brackets'), MappingError)
})
