import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'tap'
import { buildConnector, Pool } from 'undici'
import { LateDepartureError } from '../../vendors/departure.js'
import { exchangeWithin, type ExchangeTimes } from '../../vendors/exchange.js'
import { CallStop } from '../../vendors/stop.js'
import type { TestContext } from '../helper.js'

/** A local vendor that counts the requests reaching it. */
async function countingVendor (t: TestContext): Promise<{ url: string, arrivals: () => number, server: Server }> {
  let arrived = 0
  const server = createServer((req, res) => {
    arrived++
    req.resume()
    res.end('{}')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals: () => arrived, server }
}

const GET = { method: 'GET', path: '/' } as const
const times = (more: Partial<ExchangeTimes> = {}): ExchangeTimes => ({ vendor: 'v', limitMs: 10_000, maxBytes: 1_000_000, ...more })

test('a request past its departure deadline is not sent, and says how late it was', async (t) => {
  const vendor = await countingVendor(t)
  const pool = new Pool(vendor.url)
  t.teardown(() => pool.close())
  const reported: number[] = []
  const late = exchangeWithin(pool, GET, times({ departure: { by: performance.now() - 40, report: (at) => reported.push(at) } }))
  await t.rejects(late, LateDepartureError)
  const err = await late.then(() => undefined, (e: LateDepartureError) => e)
  t.ok((err?.lateMs ?? 0) >= 40, `late by ${err?.lateMs} ms`)
  t.equal(reported.length, 1, 'the attempted departure is reported')
  t.equal(vendor.arrivals(), 0, 'nothing reached the vendor')
})

test('a request within its deadline goes out and is reported as it leaves', async (t) => {
  const vendor = await countingVendor(t)
  const pool = new Pool(vendor.url)
  t.teardown(() => pool.close())
  const reported: number[] = []
  const asked = performance.now()
  const res = await exchangeWithin(pool, GET, times({ departure: { by: asked + 5000, report: (at) => reported.push(at) } }))
  t.same(res, { status: 200, headers: res.headers, body: '{}' })
  t.equal(vendor.arrivals(), 1)
  t.ok(reported.length === 1 && (reported[0] ?? 0) >= asked, 'left after it was asked for')
  t.equal((await exchangeWithin(pool, GET, times())).status, 200)
  t.equal(vendor.arrivals(), 2, 'a request with no deadline goes as it is')
})

test('the deadline is checked once the connection is up: a connection slower than the deadline sends nothing', async (t) => {
  const vendor = await countingVendor(t)
  const open = buildConnector({})
  // A connection that takes 80 ms to come up, as a cold one to a far vendor may.
  const slow = new Pool(vendor.url, { connect: (opts, cb) => { setTimeout(() => open(opts, cb), 80) } })
  t.teardown(() => slow.close())
  await t.rejects(exchangeWithin(slow, GET, times({ departure: { by: performance.now() + 30 } })), LateDepartureError)
  t.equal(vendor.arrivals(), 0, 'nothing reached the vendor')
})

/** A local vendor that answers its headers at once and its body only after `bodyAfterMs` (never, when undefined, with no headers either). */
async function slowVendor (t: TestContext, bodyAfterMs?: number): Promise<string> {
  const server = createServer((req, res) => {
    req.resume()
    if (bodyAfterMs === undefined) return
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write('{"a":')
    setTimeout(() => res.end('1}'), bodyAfterMs).unref()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}


test('a request still going at its time limit is aborted with a TimeoutError, whether its headers or its body are late', async (t) => {
  for (const [what, bodyAfterMs] of [['no headers', undefined], ['a body that stalls', 5_000]] as const) {
    const pool = new Pool(await slowVendor(t, bodyAfterMs))
    t.teardown(() => pool.close())
    const began = performance.now()
    const failure = await exchangeWithin(pool, GET, times({ limitMs: 150 })).then(() => undefined, (err: Error) => err)
    const took = performance.now() - began
    t.equal(failure?.name, 'TimeoutError', `${what}: ${failure?.message}`)
    t.ok(took >= 140 && took < 2_000, `${what}: aborted after ${Math.round(took)} ms`)
  }
  const pool = new Pool(await slowVendor(t, 10))
  t.teardown(() => pool.close())
  const res = await exchangeWithin(pool, GET, times({ limitMs: 1_000 }))
  t.equal(res.body, '{"a":1}', 'a call that ends in time is whole')
  t.equal(res.headers['content-type'], 'application/json', 'with its headers')
})

test('a stop aborts the request with its reason, told before it went out or while it waits for its answer', async (t) => {
  const pool = new Pool(await slowVendor(t))
  t.teardown(() => pool.close())
  const early = new CallStop()
  early.abort(new Error('worker stopping'))
  await t.rejects(exchangeWithin(pool, GET, times({ stop: early })), { message: 'worker stopping' }, 'stopped before it was sent')
  const later = new CallStop()
  const asked = exchangeWithin(pool, GET, times({ stop: later }))
  setTimeout(() => later.abort(new Error('lease lost')), 50)
  await t.rejects(asked, { message: 'lease lost' }, 'stopped on the wire')
})

test('an answer is read whole as UTF-8 text, without a leading byte order mark, and one declaring more than maxBytes fails at once', async (t) => {
  const server = createServer((req, res) => {
    req.resume()
    if (req.url === '/big') {
      res.writeHead(200, { 'content-length': '5000' })
      res.write('x'.repeat(100))
      return
    }
    res.writeHead(201, { 'x-page': ['1', '2'] })
    res.write(Buffer.from([0xef, 0xbb, 0xbf]))
    res.write('{"name":"Zoë",')
    setTimeout(() => res.end('"more":true}'), 20).unref()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  t.teardown(() => pool.close())
  const res = await exchangeWithin(pool, GET, times())
  t.equal(res.status, 201)
  t.equal(res.body, '{"name":"Zoë","more":true}', 'chunks joined, the mark dropped')
  t.same(res.headers['x-page'], ['1', '2'], 'a repeated header keeps every value')
  await t.rejects(exchangeWithin(pool, { method: 'GET', path: '/big' }, times({ maxBytes: 1_000 })), { code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' })
})
