import { buildApp } from './app.js'
import { start } from './start.js'

/** The API's entry point: the app with its logger and HTTP timeouts, on PORT. */
await start({
  what: 'the API',
  role: 'api',
  build: (config) => buildApp(config, {
    logger: { level: config.logLevel },
    // A socket quiet for this long is closed: longer than the longest long poll (?wait=60).
    connectionTimeout: 90_000,
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000
  }),
  port: (config) => config.port
})
