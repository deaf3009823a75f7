import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { type Config, loadConfig } from './plugins/config.js'

/** The API's entry point: configuration, logger and timeouts, listen, and a graceful exit. */
let config: Config
try {
  config = loadConfig()
} catch (err) {
  console.error(`cannot start: ${(err as Error).message}`)
  process.exit(1)
}

let app: Awaited<ReturnType<typeof buildApp>>
try {
  app = await buildApp(config, {
    logger: { level: config.logLevel },
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000
  })
  await app.ready()
} catch (err) {
  // Start-up failures (Redis unreachable, a port taken) are one line, not a stack dump.
  console.error(`cannot start: ${(err as Error).message}`)
  process.exit(1)
}

closeWithGrace({ delay: Number(process.env.FASTIFY_CLOSE_GRACE_DELAY ?? 15_000) }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'server closing with error')
  else app.log.info(`${signal} received, server closing`)
  await app.close()
})

try {
  await app.listen({ port: config.port, host: config.host })
} catch (err) {
  app.log.error({ err }, 'cannot listen')
  process.exit(1)
}
