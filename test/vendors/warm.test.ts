import { once } from 'node:events'
import { createServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import type { AddressInfo, Socket } from 'node:net'
import { test } from 'tap'
import { Pool } from 'undici'
import { createWarmConnector } from '../../vendors/warm.js'
import type { TestContext } from '../helper.js'

/** A local vendor that counts the connections opened to it. */
async function vendor (t: TestContext): Promise<{ url: URL, connections: () => Promise<number>, drop: () => void }> {
  let connections = 0
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    req.resume()
    setTimeout(() => res.end('{}'), 20)
  })
  server.on('connection', (socket: Socket) => {
    connections++
    sockets.add(socket)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  // The vendor hears of a connection a moment after the caller has it.
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), connections: async () => { await sleep(50); return connections }, drop: () => { for (const s of sockets) s.destroy() } }
}

test('connections opened ahead carry the next calls, none opened as they go', async (t) => {
  const v = await vendor(t)
  const warm = createWarmConnector(v.url, { timeoutMs: 5000, max: 10 })
  const pool = new Pool(v.url.origin, { connections: 10, connect: warm.connect })
  t.teardown(() => { warm.close(); return pool.close() })
  await warm.warm(6, pool.stats.connected)
  t.equal(warm.stashed, 6)
  t.equal(await v.connections(), 6, 'opened before any call')
  const answers = await Promise.all(Array.from({ length: 6 }, () => pool.request({ method: 'GET', path: '/' }).then(async (r) => { await r.body.dump(); return r.statusCode })))
  t.same(answers, [200, 200, 200, 200, 200, 200])
  t.equal(await v.connections(), 6, 'the calls used them')
  t.equal(warm.stashed, 0)
})

test('warming counts the connections the pool has already and never opens past the vendor\'s concurrency', async (t) => {
  const v = await vendor(t)
  const warm = createWarmConnector(v.url, { timeoutMs: 5000, max: 4 })
  t.teardown(() => warm.close())
  await warm.warm(3, 2)
  t.equal(warm.stashed, 1, 'two open in the pool already')
  await warm.warm(50, 0)
  t.equal(warm.stashed, 4, 'up to the concurrency')
  await Promise.all([warm.warm(4, 0), warm.warm(4, 0)])
  t.equal(await v.connections(), 4, 'nothing more while enough wait')
})

test('a connection the vendor closed while it waited is not handed out', async (t) => {
  const v = await vendor(t)
  const warm = createWarmConnector(v.url, { timeoutMs: 5000, max: 2 })
  const pool = new Pool(v.url.origin, { connections: 2, connect: warm.connect })
  t.teardown(() => { warm.close(); return pool.close() })
  await warm.warm(2, 0)
  t.equal(warm.stashed, 2)
  t.equal(await v.connections(), 2)
  // The vendor drops the connections, as servers do with idle ones after their keep-alive timeout.
  v.drop()
  await sleep(50)
  t.equal(warm.stashed, 0, 'dropped as soon as they close')
  const opened = await v.connections()
  const res = await pool.request({ method: 'GET', path: '/' })
  await res.body.dump()
  t.equal(res.statusCode, 200, 'a call still gets a connection of its own')
  t.equal(await v.connections(), opened + 1)
  warm.close()
})

test('closing the connector drops the connections it holds', async (t) => {
  const v = await vendor(t)
  const warm = createWarmConnector(v.url, { timeoutMs: 5000, max: 3 })
  await warm.warm(3, 0)
  warm.close()
  t.equal(warm.stashed, 0)
  await warm.warm(3, 0)
  t.equal(warm.stashed, 0, 'and opens none once closed')
})
