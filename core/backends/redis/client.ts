import { once } from 'node:events'
import { Cluster, Redis, type RedisOptions } from 'ioredis'

/** A connection to Redis, standalone or Cluster: the backend uses only what both offer. */
export type RedisClient = Redis | Cluster

/** What a client reports its outages to; a pino or Fastify logger fits. */
interface RedisLog {
  warn (msg: string): void
  info (msg: string): void
}

/** For a Cluster, `RedisOptions` apply to the connection to each node. */
export type RedisClientOptions = RedisOptions & {
  log: RedisLog
  cluster?: boolean
  /** Commands issued in one turn of the event loop leave in one write (ioredis' auto-pipelining). */
  autoPipelining?: boolean
}

class RedisConnectionError extends Error {
  override name = 'RedisConnectionError'
}

/** Below Fastify's 10 s plugin timeout, so a silent host gives our message rather than avvio's. */
const CONNECT_TIMEOUT_MS = 5_000
/** How long a start may wait for a ready client: past the connect timeout, so that ioredis' own error, which says more, comes first. */
const READY_TIMEOUT_MS = CONNECT_TIMEOUT_MS + 1_000

/** Whether a command failed because Redis cannot take it now, unreachable or full (as opposed to a bug or a bad reply). */
export function isRedisUnavailable (err: unknown): boolean {
  if (!(err instanceof Error)) return false
  return ['MaxRetriesPerRequestError', 'ClusterAllFailedError'].includes(err.name) ||
    /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|Command timed out|^OOM command not allowed/.test(err.message) ||
    /^CLUSTERDOWN|Cluster isn't ready|Failed to refresh slots cache|None of startup nodes is available/.test(err.message)
}

/** Checks the URL ourselves: ioredis reads almost any string as something, and a typo should fail at start. */
function parseRedisUrl (url: string): URL {
  // The URL may carry a password, so no message repeats it.
  const invalid = new RedisConnectionError('invalid Redis URL: expected redis[s]://[[user]:password@]host[:port][/db]')
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw invalid
  }
  if (!['redis:', 'rediss:'].includes(parsed.protocol) || parsed.hostname === '' || !/^\/?\d*$/.test(parsed.pathname)) throw invalid
  return parsed
}

/**
 * A connected client with the service's failure behaviour; the plugin's and, later, a worker's second
 * (blocking) connection for XREADGROUP are made here. Rejects with one line when Redis cannot be reached.
 * With `cluster`, `url` is one node of a Redis Cluster, from which the client finds the others.
 */
export async function createRedisClient (url: string, opts: RedisClientOptions & { cluster: true }): Promise<Cluster>
export async function createRedisClient (url: string, opts: RedisClientOptions & { cluster?: false }): Promise<Redis>
export async function createRedisClient (url: string, opts: RedisClientOptions): Promise<RedisClient>
export async function createRedisClient (url: string, opts: RedisClientOptions): Promise<RedisClient> {
  const { log, cluster = false, autoPipelining = false, ...overrides } = opts
  const parsed = parseRedisUrl(url)
  const where = `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}`
  return cluster
    ? connectCluster(parsed, where, log, overrides, autoPipelining)
    : connectServer(url, where, log, { ...overrides, enableAutoPipelining: autoPipelining })
}

/** Settings of every connection to a server, alone or as a cluster node. */
const CONNECTION: RedisOptions = {
  connectTimeout: CONNECT_TIMEOUT_MS,
  // A server that hangs with the connection open must not hang callers; above any XREADGROUP BLOCK.
  commandTimeout: 5_000
}

const reconnectDelay = (times: number): number => Math.min(50 * 2 ** times, 2_000)

async function connectServer (url: string, where: string, log: RedisLog, overrides: RedisOptions): Promise<Redis> {
  const redis = new Redis(url, {
    ...CONNECTION,
    lazyConnect: true,
    retryStrategy: reconnectDelay,
    // While disconnected a command fails at once instead of waiting in memory for a reconnection
    // that may never come; callers (a request, a worker's loop) decide what to do with the failure.
    enableOfflineQueue: false,
    // A command already sent when the connection drops fails at the first reconnection attempt
    // instead of being replayed: a replayed compare-and-set could report a race it had in fact won.
    maxRetriesPerRequest: 0,
    ...overrides
  })
  const errors = lastErrorOf(redis, ['error'])
  await connectOrExplain(redis, `Redis at ${where}`, errors)
  logOutages(redis, `Redis at ${where}`, log, errors)
  return redis
}

async function connectCluster (parsed: URL, where: string, log: RedisLog, overrides: RedisOptions, autoPipelining: boolean): Promise<Cluster> {
  const db = Number(parsed.pathname.slice(1) || 0)
  if (db !== 0) throw new RedisConnectionError(`invalid Redis URL: a Redis Cluster has only database 0, not ${db}`)
  const node: RedisOptions = {
    ...CONNECTION,
    username: decodeURIComponent(parsed.username) || undefined,
    password: decodeURIComponent(parsed.password) || undefined,
    // As ioredis does for a rediss:// URL of one server.
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    ...overrides
  }
  const seed = { host: parsed.hostname, port: Number(parsed.port || 6379) }

  // The Cluster client reports an unreachable seed only as "Connection is closed."; one plain connection to
  // it first says why (ECONNREFUSED, ETIMEDOUT, WRONGPASS) in the start error.
  const probe = new Redis({ ...node, ...seed, lazyConnect: true, retryStrategy: () => null })
  await connectOrExplain(probe, `Redis Cluster at ${where}`, lastErrorOf(probe, ['error']))
  probe.disconnect()

  const cluster = new Cluster([seed], {
    lazyConnect: true,
    enableAutoPipelining: autoPipelining,
    redisOptions: node,
    clusterRetryStrategy: reconnectDelay,
    // As for one server: while no node can be reached a command fails at once instead of waiting.
    enableOfflineQueue: false,
    // A command whose node connection closed is failed, never resent to another node: it may have run.
    // (Node connections never reconnect by themselves, so nothing else replays it.)
    retryDelayOnFailover: 0,
    // CLUSTERDOWN fails at once instead of being retried up to 16 times, as any outage does.
    retryDelayOnClusterDown: 0,
    // A slow seed is not a missing one: the same patience as for a connection, not ioredis' 1 s.
    slotsRefreshTimeout: CONNECT_TIMEOUT_MS
  })
  const errors = lastErrorOf(cluster, ['node error', 'error'])
  await connectOrExplain(cluster, `Redis Cluster at ${where}`, errors)
  // ioredis opens a node's connection on its first command, and without an offline queue every other
  // command sent meanwhile fails: every node is connected before the client is handed out, and again
  // whenever the cluster comes back.
  const connectNodes = () => Promise.all(cluster.nodes('all').map((node) => {
    if (node.status === 'wait') return node.connect()
    return node.status === 'ready' ? undefined : once(node, 'ready')
  }))
  await connectNodes()
  cluster.on('ready', () => { connectNodes().catch(() => {}) })
  logOutages(cluster, `Redis Cluster at ${where}`, log, errors)
  return cluster
}

/** Keeps the client's last error for our messages; listening also keeps ioredis from printing each one to stderr. */
function lastErrorOf (client: RedisClient, events: string[]): { last?: Error } {
  const errors: { last?: Error } = {}
  // A ClusterAllFailedError ("Failed to refresh slots cache.") carries the node's own error, which says why.
  for (const event of events) client.on(event, (err: Error & { lastNodeError?: Error }) => { errors.last = err.lastNodeError ?? err })
  return errors
}

/** Connects, or throws one line naming `what` (never the password) and why. */
async function connectOrExplain (client: RedisClient, what: string, errors: { last?: Error }): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  // A Cluster whose ready check fails (cluster_state:fail) retries and never settles connect(): bound it ourselves.
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS)
  })
  try {
    await Promise.race([client.connect(), timeout])
  } catch (err) {
    client.disconnect()
    const cause = errors.last ?? (err as Error)
    throw new RedisConnectionError(`cannot reach ${what}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`)
  } finally {
    clearTimeout(timer)
  }
}

/** One line when an outage starts and one when it ends, not one per reconnection attempt. */
function logOutages (client: RedisClient, what: string, log: RedisLog, errors: { last?: Error }): void {
  let down = false
  client.on('reconnecting', () => {
    if (!down) log.warn(`lost the connection to ${what}${errors.last ? ` (${errors.last.message})` : ''}; reconnecting`)
    down = true
  })
  client.on('ready', () => {
    if (down) log.info(`reconnected to ${what}`)
    down = false
    errors.last = undefined
  })
}

/**
 * Subscribes once the client has finished its handshake. ioredis writes a SUBSCRIBE sent during the
 * handshake at once, and its ready check that follows is then refused ("Connection in subscriber mode"),
 * which drops the connection: every subscription of the backend goes through here.
 */
export async function subscribeWhenReady (client: RedisClient, channel: string): Promise<void> {
  if (client.status === 'wait') await client.connect()
  else if (client.status !== 'ready') await once(client, 'ready')
  await client.subscribe(channel)
}
