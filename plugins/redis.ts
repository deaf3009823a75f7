import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Redis, type RedisOptions } from 'ioredis'

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis
  }
}

export interface RedisPluginOptions {
  url: string
}

/** What a client reports its outages to; a pino or Fastify logger fits. */
export interface RedisLog {
  warn (msg: string): void
  info (msg: string): void
}

export class RedisConnectionError extends Error {
  override name = 'RedisConnectionError'
}

/** Whether a command failed because Redis cannot take it now, unreachable or full (as opposed to a bug or a bad reply). */
export function isRedisUnavailable (err: unknown): boolean {
  if (!(err instanceof Error)) return false
  return err.name === 'MaxRetriesPerRequestError' ||
    /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|Command timed out|^OOM command not allowed/.test(err.message)
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
 */
export async function createRedisClient (url: string, opts: RedisOptions & { log: RedisLog }): Promise<Redis> {
  const { log, ...overrides } = opts
  const parsed = parseRedisUrl(url)
  const where = `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}`
  const redis = new Redis(url, {
    lazyConnect: true,
    // Below Fastify's 10 s plugin timeout, so a silent host gives our message rather than avvio's.
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2_000),
    // While disconnected a command fails at once instead of waiting in memory for a reconnection
    // that may never come; callers (a request, a worker's loop) decide what to do with the failure.
    enableOfflineQueue: false,
    // A command already sent when the connection drops fails at the first reconnection attempt
    // instead of being replayed: a replayed compare-and-set could report a race it had in fact won.
    maxRetriesPerRequest: 0,
    // A server that hangs with the connection open must not hang callers; above any XREADGROUP BLOCK.
    commandTimeout: 5_000,
    ...overrides
  })

  let lastError: Error | undefined
  // Listening also keeps ioredis from printing every failed reconnection to stderr.
  redis.on('error', (err: Error) => { lastError = err })
  try {
    await redis.connect()
  } catch (err) {
    redis.disconnect()
    const cause = lastError ?? (err as Error)
    throw new RedisConnectionError(`cannot reach Redis at ${where}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`)
  }

  // One line when an outage starts and one when it ends, not one per reconnection attempt.
  let down = false
  redis.on('reconnecting', () => {
    if (!down) log.warn(`lost the connection to Redis at ${where}${lastError ? ` (${lastError.message})` : ''}; reconnecting`)
    down = true
  })
  redis.on('ready', () => {
    if (down) log.info(`reconnected to Redis at ${where}`)
    down = false
    lastError = undefined
  })
  return redis
}

async function redisPlugin (app: FastifyInstance, opts: RedisPluginOptions): Promise<void> {
  const redis = await createRedisClient(opts.url, { log: app.log })
  app.decorate('redis', redis)
  app.addHook('onClose', async () => {
    // QUIT needs a live connection; while Redis is down only a disconnect stops the reconnection loop.
    await redis.quit().catch(() => redis.disconnect())
  })
}

export default fp(redisPlugin, { name: 'redis', fastify: '5.x', dependencies: ['config'] })
