import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { type Config, loadConfig } from './plugins/config.js'
import { startTracing, type Tracing } from './plugins/tracing.js'

export interface Entry {
  /** What starts, for the one-line start-up errors: "the API", "the worker". */
  what: string
  /** The process's role in traces: api or worker. */
  role: string
  build (config: Config): Promise<FastifyInstance>
  port (config: Config): number
}

/** Time close-with-grace allows beyond the workers' own grace, for the clients and pools to close. */
const CLOSE_MARGIN_MS = 5_000

/**
 * The start-up and graceful exit every entry point shares: configuration, build, listen, and on SIGTERM
 * or SIGINT a close that lets the worker stop within SHUTDOWN_GRACE_MS, then flushes its spans. With
 * OTEL_EXPORTER_OTLP_ENDPOINT set, tracing starts before the app is built. Start-up failures (a bad
 * variable, Redis unreachable, a port taken) are one line, not a stack dump.
 */
export async function start (entry: Entry): Promise<FastifyInstance> {
  let config: Config
  let app: FastifyInstance
  let tracing: Tracing | undefined
  try {
    // A standalone worker serves no job route: it needs TEAMS_FILE, not the teams' keys.
    config = loadConfig(process.env, { teamKeys: entry.role === 'api' })
    if (config.tracing) tracing = startTracing(entry.role)
    app = await entry.build(config)
    await app.ready()
  } catch (err) {
    console.error(`cannot start ${entry.what}: ${(err as Error).message}`)
    process.exit(1)
  }
  closeWithGrace({ delay: config.dispatch.shutdownGraceMs + CLOSE_MARGIN_MS }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, `${entry.what} closing with error`)
    else app.log.info(`${signal} received, ${entry.what} closing`)
    await app.close()
    await tracing?.shutdown()
  })
  try {
    await app.listen({ port: entry.port(config), host: config.host })
  } catch (err) {
    console.error(`cannot start ${entry.what}: ${(err as Error).message}`)
    process.exit(1)
  }
  return app
}
