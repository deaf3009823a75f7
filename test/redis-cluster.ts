import { execFile } from 'node:child_process'
import { randomInt, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import tap from 'tap'
import { isFree } from './free-port.js'
import { type Availability, onPath, type RedisProcess, redisProcess, skipLoudly, startOnFreePort, type Teardown } from './redis-server.js'

export interface TestRedisCluster {
  /** One node's URL: a seed from which a Cluster client finds the others. */
  url: string
  nodes: Array<{ port: number, url: string }>
  /** SIGTERM to every node, then wait for their exits. */
  stop (): Promise<void>
  /** SIGKILL to every node: a crash of the whole cluster. */
  kill (): Promise<void>
  /** Starts every node again on its port and directory (AOF data and nodes.conf survive) and waits for cluster_state:ok. */
  start (): Promise<void>
}

const MASTERS = 3
/** A cluster node listens on its port and on port + 10000 for the cluster bus. */
const BUS_OFFSET = 10_000
/**
 * Ports whose bus port stays below Linux's ephemeral range (32768 and up), so no outgoing connection takes
 * either, and below freePort's range (test/free-port.ts), so no other test's server takes a bus port.
 */
const LOWEST_PORT = 12_000
const HIGHEST_PORT = 15_999

function redisClusterAvailable (): Availability {
  // TEST_REDIS_URL names one server, which cannot be a three-master cluster the tests may stop.
  const missing = ['redis-server', 'redis-cli'].filter((name) => onPath(name) === undefined)
  return missing.length === 0 ? { ok: true } : { ok: false, reason: `no ${missing.join(' or ')} on PATH (install redis-server, which brings redis-cli)` }
}

export function skipWithoutRedisCluster (t: { fail (message: string): unknown }): false | string {
  return skipLoudly(t, 'Redis Cluster', redisClusterAvailable())
}

/** A free port whose bus port is free too. */
async function clusterPort (): Promise<number> {
  for (;;) {
    const port = randomInt(LOWEST_PORT, HIGHEST_PORT + 1)
    if (await isFree(port) && await isFree(port + BUS_OFFSET)) return port
  }
}

/** Waits until every node says the cluster is up: all slots served by reachable masters. */
async function clusterReady (ports: number[], timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs
  await Promise.all(ports.map(async (port) => {
    // Errors (LOADING while an AOF is read) just mean "not yet".
    const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 })
    redis.on('error', () => {})
    let info = ''
    try {
      while (!info.includes('cluster_state:ok')) {
        if (Date.now() > until) throw new Error(`Redis Cluster node ${port} not ready after ${timeoutMs} ms:\n${info}`)
        info = await redis.cluster('INFO').catch((err: Error) => err.message)
        if (!info.includes('cluster_state:ok')) await sleep(100)
      }
    } finally {
      redis.disconnect()
    }
  }))
}

/**
 * A throwaway three-master Redis Cluster from the redis-server binary, each node on a free port (with a free bus
 * port) and a directory of its own, killed and removed at teardown.
 */
export async function startRedisCluster (t: Teardown, opts: { appendonly?: boolean } = {}): Promise<TestRedisCluster> {
  const server = onPath('redis-server')
  const cli = onPath('redis-cli')
  if (server === undefined || cli === undefined) throw new Error('a Redis Cluster needs redis-server and redis-cli on PATH')
  const root = mkdtempSync(join(tmpdir(), 'vfs-redis-cluster-'))
  const nodes: RedisProcess[] = []
  t.teardown(async () => {
    await Promise.all(nodes.map((node) => node.kill()))
    rmSync(root, { recursive: true, force: true })
  })

  // One at a time, so that a running node's ports are no longer free when the next one picks its own.
  for (let i = 0; i < MASTERS; i++) {
    nodes.push(await startOnFreePort(clusterPort, (port) => {
      const dir = join(root, String(port))
      mkdirSync(dir, { recursive: true })
      return redisProcess(server, port, dir, [
        '--cluster-enabled', 'yes',
        '--cluster-config-file', join(root, `nodes-${port}.conf`),
        // Every write reaches the AOF before its reply. With everysec, Redis postpones the write while a
        // background fsync runs, and a SIGKILL then lost acknowledged writes of nodes that share one disk.
        ...(opts.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'])
      ])
    }))
  }
  const ports = nodes.map((node) => node.port)
  const addresses = ports.map((port) => `127.0.0.1:${port}`)
  try {
    await promisify(execFile)(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 })
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string, stderr?: string }
    throw new Error(`redis-cli --cluster create ${addresses.join(' ')} failed: ${(err as Error).message}\n${stdout ?? ''}${stderr ?? ''}`)
  }
  await clusterReady(ports)

  const all = (action: (node: RedisProcess) => Promise<void>) => async (): Promise<void> => { await Promise.all(nodes.map(action)) }
  const urls = ports.map((port) => ({ port, url: `redis://127.0.0.1:${port}` }))
  return {
    url: `redis://${addresses[0]}`,
    nodes: urls,
    stop: all((node) => node.stop()),
    kill: all((node) => node.kill()),
    start: async () => {
      await all((node) => node.start())()
      await clusterReady(ports)
    }
  }
}

let shared: Promise<TestRedisCluster> | undefined

/**
 * A Redis Cluster for one test: its file's cluster (each test file is a process) and a key prefix of its own.
 * It takes the test as `redisFor` does, so that a suite can run on either.
 */
export async function clusterFor (_t: Teardown): Promise<{ url: string, nodes: TestRedisCluster['nodes'], prefix: string }> {
  shared ??= startRedisCluster(tap)
  const { url, nodes } = await shared
  return { url, nodes, prefix: `test-${randomUUID()}` }
}
