import { createHash } from 'node:crypto'
import { test } from 'tap'
import { buildMockFilesVendor } from '../../../vendors/mock/files.js'

const AUTH = { authorization: 'Bearer files-key' }
const BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xc2, 0xff])
const sha256 = createHash('sha256').update(BYTES).digest('hex')

test('an upload is multipart: the vendor answers the size and SHA-256 of the file part it read', async (t) => {
  const mock = buildMockFilesVendor({ apiKey: 'files-key' })
  t.teardown(() => mock.close())
  const form = new FormData()
  form.set('purpose', 'evidence')
  form.set('file', new Blob([BYTES], { type: 'image/png' }), 'a.png')
  const body = new Request('http://x', { method: 'POST', body: form })
  const res = await mock.inject({ method: 'POST', url: '/v1/files', headers: { ...AUTH, 'content-type': body.headers.get('content-type') ?? '' }, payload: Buffer.from(await body.arrayBuffer()) })
  t.match(res.json(), { object: 'file', purpose: 'evidence', filename: 'a.png', type: 'image/png', size: BYTES.length, sha256 })
  t.equal((await mock.inject({ method: 'POST', url: '/v1/files', headers: { ...AUTH, 'content-type': 'application/json' }, payload: '{}' })).statusCode, 415)
  t.equal((await mock.inject({ method: 'POST', url: '/v1/files', headers: { 'content-type': body.headers.get('content-type') ?? '' }, payload: '' })).statusCode, 401)
})

test('an object is raw bytes, whatever their type', async (t) => {
  const mock = buildMockFilesVendor({ apiKey: 'files-key' })
  t.teardown(() => mock.close())
  const res = await mock.inject({ method: 'PUT', url: '/v1/objects/report%201.bin', headers: { ...AUTH, 'content-type': 'application/octet-stream' }, payload: BYTES })
  t.same(res.json(), { name: 'report 1.bin', content_type: 'application/octet-stream', size: BYTES.length, sha256 })
})
