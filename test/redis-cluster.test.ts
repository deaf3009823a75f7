import { connect } from 'node:net'
import { Cluster, Redis } from 'ioredis'
import t, { test } from 'tap'
import { clusterFor, skipWithoutRedisCluster, startRedisCluster, type TestRedisCluster } from './redis-cluster.js'
import { redisClient } from './redis-server.js'

const skip = skipWithoutRedisCluster(t)

function clusterClient (t: { teardown (fn: () => unknown): void }, url: string): Cluster {
  const { hostname, port } = new URL(url)
  const cluster = new Cluster([{ host: hostname, port: Number(port) }])
  t.teardown(() => cluster.disconnect())
  return cluster
}

/** Each node's own key count, asked of the node alone. */
async function keysPerNode (nodes: TestRedisCluster['nodes']): Promise<number[]> {
  return Promise.all(nodes.map(async ({ url }) => {
    const redis = new Redis(url)
    try {
      return await redis.dbsize()
    } finally {
      redis.disconnect()
    }
  }))
}

async function refused (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(false) })
    socket.once('error', () => resolve(true))
  })
}

test('the cluster has three masters that cover all 16384 slots', { skip }, async (t) => {
  const { url, nodes } = await clusterFor(t)
  t.equal(nodes.length, 3)
  t.equal(new Set(nodes.map((n) => n.port)).size, 3)
  const redis = redisClient(t, url)
  t.match(await redis.cluster('INFO'), /cluster_state:ok[\s\S]*cluster_slots_assigned:16384[\s\S]*cluster_slots_ok:16384[\s\S]*cluster_known_nodes:3[\s\S]*cluster_size:3/)
  // CLUSTER NODES: "<id> 127.0.0.1:<port>@<bus port> <flags> ...", one line per node.
  const masters = String(await redis.cluster('NODES')).matchAll(/:(\d+)@\d+ (?:\S+,)?master[ ,]/g)
  t.same([...masters].map((m) => Number(m[1])).sort(), nodes.map((n) => n.port).sort(), 'each node is a master')
})

test('keys with different hash tags land on different nodes through a Cluster client', { skip }, async (t) => {
  const { nodes, url, prefix } = await clusterFor(t)
  const before = await keysPerNode(nodes)
  const cluster = clusterClient(t, url)
  const tags = Array.from({ length: 30 }, (_, i) => `{v:${i}}`)
  for (const tag of tags) await cluster.set(`${prefix}:${tag}:k`, tag)
  for (const tag of tags) t.equal(await cluster.get(`${prefix}:${tag}:k`), tag)
  const added = (await keysPerNode(nodes)).map((n, i) => n - (before[i] ?? 0))
  t.equal(added.reduce((a, b) => a + b, 0), tags.length, 'each key is on exactly one node')
  t.ok(added.every((n) => n > 0), `every node holds some of them: ${added.join(', ')}`)
})

test('each test gets its own prefix on the same cluster', { skip }, async (t) => {
  const [a, b] = [await clusterFor(t), await clusterFor(t)]
  t.equal(a.url, b.url)
  t.not(a.prefix, b.prefix)
})

test('an appendonly cluster keeps its data through a clean restart and through a crash of every node', { skip }, async (t) => {
  const server = await startRedisCluster(t, { appendonly: true })
  const tags = Array.from({ length: 12 }, (_, i) => `{kept:${i}}`)
  const write = async (value: string): Promise<void> => {
    const cluster = clusterClient(t, server.url)
    for (const tag of tags) await cluster.set(`${tag}:k`, value)
    await cluster.quit()
  }
  const read = async (): Promise<Array<string | null>> => {
    const cluster = clusterClient(t, server.url)
    const values = await Promise.all(tags.map((tag) => cluster.get(`${tag}:k`)))
    await cluster.quit()
    return values
  }
  await write('before stop')
  await server.stop()
  await server.start()
  t.same(await read(), tags.map(() => 'before stop'))
  await write('before kill')
  await server.kill()
  await server.start()
  t.same(await read(), tags.map(() => 'before kill'), 'acknowledged writes survive a crash of every node')
})

test('without appendonly a restarted cluster comes back whole and empty', { skip }, async (t) => {
  const server = await startRedisCluster(t)
  const cluster = clusterClient(t, server.url)
  await cluster.set('{lost}:k', 'x')
  await cluster.quit()
  await server.stop()
  await server.start()
  const again = clusterClient(t, server.url)
  t.equal(await again.get('{lost}:k'), null)
  t.match(await again.cluster('INFO'), /cluster_state:ok/)
})

test('teardown kills every node', { skip }, async (t) => {
  let ports: number[] = []
  await t.test('a test with its own cluster', async (t) => {
    ports = (await startRedisCluster(t)).nodes.map((n) => n.port)
  })
  t.equal(ports.length, 3)
  for (const port of ports) {
    t.ok(await refused(port), `nothing listens on ${port} any more`)
    t.ok(await refused(port + 10_000), `nor on its bus port ${port + 10_000}`)
  }
})
