import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'tap'
import { compileVendor } from '../../vendors/adapters/mapping.js'
import { createVendorClient } from '../../vendors/client.js'
import { defaultVendors, mergeVendors, type VendorConfig, type VendorEntry } from '../../vendors/config.js'
import { UnrecoverableVendorError } from '../../vendors/errors.js'
import { buildTestApp, SECRET, type TestContext, testConfig, waitFor } from '../helper.js'

const MB = 1024 * 1024

/** What the vendor's side saw of each answer: bytes handed to the socket, and whether all of it went out. */
interface Served { calls: number, written: number, finished: boolean, closed: boolean }

/** A local vendor answering every call with `answer`; closed when the test ends. */
async function vendorServer (t: TestContext, answer: (res: ServerResponse, served: Served) => void): Promise<{ url: string, served: Served }> {
  const served: Served = { calls: 0, written: 0, finished: false, closed: false }
  const server = createServer((req: IncomingMessage, res) => {
    served.calls++
    req.resume()
    res.on('finish', () => { served.finished = true })
    res.on('close', () => { served.closed = true })
    answer(res, served)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, served }
}

/** 20 MB of a JSON string in 64 KB chunks, written only as fast as the client reads (no Content-Length: chunked). */
function twentyMegabytes (res: ServerResponse, served: Served): void {
  const chunk = Buffer.alloc(64 * 1024, 'a')
  res.writeHead(200, { 'content-type': 'application/json' })
  res.write('{"blob":"')
  const pump = (): void => {
    while (served.written < 20 * MB && !res.destroyed) {
      served.written += chunk.length
      if (!res.write(chunk)) return void res.once('drain', pump)
    }
    if (!res.destroyed) res.end('"}')
  }
  pump()
}

const vendor = (url: string, entry: VendorEntry = {}): VendorConfig => {
  const config = mergeVendors(defaultVendors(SECRET), { big: { mode: 'sync', url, timeoutMs: 3_000, ...entry } }).get('big')
  if (config === undefined) throw new Error('no vendor')
  return config
}

const clientOf = (t: TestContext, config: VendorConfig) => {
  const client = createVendorClient(config, compileVendor(config.name, config))
  t.teardown(() => client.close())
  return client
}

async function callFails (t: TestContext, config: VendorConfig): Promise<Error> {
  return clientOf(t, config).call({ requestId: 'r1', payload: {}, attempt: 1 }).then(() => new Error('the call succeeded'), (err: Error) => err)
}

test('a 20 MB answer fails without retry once 1 MiB has arrived, and the rest is never read', async (t) => {
  const { url, served } = await vendorServer(t, twentyMegabytes)
  const config = vendor(url)
  t.equal(config.maxResponseBytes, MB, 'the default limit')
  const err = await callFails(t, config)
  t.type(err, UnrecoverableVendorError)
  t.equal(err.message, 'big answered more than its maxResponseBytes (1048576 bytes)')
  await waitFor(async () => served.closed || undefined, 5_000, 'the vendor to see the connection close')
  t.notOk(served.finished, 'the answer was cut off')
  t.ok(served.written < 20 * MB, `the vendor got to write ${(served.written / MB).toFixed(1)} MB of 20`)
})

test('an answer declaring a Content-Length over the limit fails at once, whatever follows it', async (t) => {
  // It claims 20 MB, sends a few bytes and then nothing: only the header tells.
  const { url } = await vendorServer(t, (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(20 * MB) })
    res.write('{"a":1}')
  })
  const err = await callFails(t, vendor(url))
  t.type(err, UnrecoverableVendorError)
  t.match(err.message, /maxResponseBytes \(1048576 bytes\)/)
})

test('maxResponseBytes is per vendor: an answer of exactly the limit passes, one byte more fails', async (t) => {
  const body = JSON.stringify({ data: 'x'.repeat(50) })
  for (const [what, headers] of [['with a Content-Length', { 'content-length': String(body.length) }], ['chunked', {}]] as const) {
    const { url } = await vendorServer(t, (res) => { res.writeHead(200, { 'content-type': 'application/json', ...headers }); res.end(body) })
    const client = clientOf(t, vendor(url, { maxResponseBytes: body.length }))
    t.same(await client.call({ requestId: 'r1', payload: {}, attempt: 1 }), { kind: 'result', result: { data: 'x'.repeat(50) } }, what)
    t.type(await callFails(t, vendor(url, { maxResponseBytes: body.length - 1 })), UnrecoverableVendorError, what)
  }
})

test('a job whose vendor answers too much fails after one call, with the reason', async (t) => {
  const { url, served } = await vendorServer(t, twentyMegabytes)
  const app = await buildTestApp(t, testConfig({}, { big: { mode: 'sync', url, retry: { attempts: 5, baseDelayMs: 10 } } }))
  const id = (await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'big' } })).json().request_id
  const job = await waitFor(async () => {
    const view = (await app.inject({ method: 'GET', url: `/jobs/${id}` })).json()
    return view.status === 'failed' ? view : undefined
  }, 10_000, 'the job to fail')
  t.match(job, { attempts: 1, error: 'big answered more than its maxResponseBytes (1048576 bytes)' })
  t.equal(served.calls, 1, 'the vendor was called once')
})
