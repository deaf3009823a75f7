import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { createMockVendor, type MockVendorOptions, seenId } from './vendor.js'

export interface MockFilesOptions extends MockVendorOptions {
  /** Callers send `Authorization: Bearer <apiKey>`. */
  apiKey: string
}

/** What the vendor says of the bytes it got: enough for a test to compare them byte for byte with what was sent. */
const describe = (bytes: Buffer) => ({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') })

/**
 * A file-storage vendor: `POST /v1/files` takes multipart/form-data (a `purpose` field and a `file` part, as
 * Stripe's files API does) and `PUT /v1/objects/<name>` the raw bytes; each answers the size and SHA-256 of
 * the bytes it received, read by a real multipart parser (undici's).
 */
export function buildMockFilesVendor (opts: MockFilesOptions): FastifyInstance {
  const { app, admit } = createMockVendor(opts)
  for (const type of ['multipart/form-data', '*']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: 8 * 1024 * 1024 }, (_request, body, done) => done(null, body))
  }
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/v1/') && request.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return reply.code(401).send({ error: { message: 'missing or unknown API key' } })
    }
  })

  app.post('/v1/files', async (request, reply) => {
    const type = request.headers['content-type'] ?? ''
    if (!type.startsWith('multipart/form-data')) return reply.code(415).send({ error: { message: 'multipart/form-data expected' } })
    const form = await new Response(request.body as Buffer, { headers: { 'content-type': type } }).formData().catch(() => undefined)
    const file = form?.get('file')
    const purpose = form?.get('purpose')
    if (typeof file === 'string' || file === null || file === undefined || typeof purpose !== 'string') {
      return reply.code(400).send({ error: { message: 'a "purpose" field and a "file" part are required' } })
    }
    const bytes = Buffer.from(await file.arrayBuffer())
    const { size, sha256 } = describe(bytes)
    if (!await admit(seenId(request.headers, sha256), reply)) return reply
    return { id: `file_${sha256.slice(0, 16)}`, object: 'file', purpose, filename: file.name, type: file.type, size, sha256 }
  })

  app.put('/v1/objects/:name', async (request, reply) => {
    const { name } = request.params as { name: string }
    const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.from(JSON.stringify(request.body ?? ''))
    if (!await admit(seenId(request.headers, name), reply)) return reply
    return { name, content_type: request.headers['content-type'] ?? '', ...describe(bytes) }
  })
  return app
}
