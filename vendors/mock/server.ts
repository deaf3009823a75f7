/** `npm run vendors`: the two mock vendors as their own process, as docker-compose runs them. */
import closeWithGrace from 'close-with-grace'
import { buildMockAsyncVendor } from './async.js'
import { faultsFromEnv } from './faults.js'
import { buildMockSyncVendor } from './sync.js'

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function settingsFromEnv (env: NodeJS.ProcessEnv) {
  const level = env.LOG_LEVEL || 'info'
  if (!LEVELS.includes(level)) throw new Error(`LOG_LEVEL must be one of ${LEVELS.join(', ')}, got "${level}"`)
  // Out of process the API refuses the public development secret, so the mock must sign with the API's own.
  const secret = env.ASYNC_VENDOR_SECRET ?? ''
  if (secret.length < 8) throw new Error('ASYNC_VENDOR_SECRET must be set, to the API\'s webhook secret (at least 8 characters)')
  return {
    host: env.HOST || '0.0.0.0',
    syncPort: port(env, 'SYNC_VENDOR_PORT', 3001),
    asyncPort: port(env, 'ASYNC_VENDOR_PORT', 3002),
    level,
    secret,
    faults: faultsFromEnv(env)
  }
}

function port (env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name] || String(fallback)
  const value = Number(text)
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number, got "${text}"`)
  return value
}

let settings: ReturnType<typeof settingsFromEnv>
try {
  settings = settingsFromEnv(process.env)
} catch (err) {
  console.error(`cannot start the mock vendors: ${(err as Error).message}`)
  process.exit(1)
}

const { host, syncPort, asyncPort, level, secret, faults } = settings
const sync = buildMockSyncVendor({ faults, logger: { level, name: 'syncVendor' } })
const async = buildMockAsyncVendor({ secret, faults, logger: { level, name: 'asyncVendor' } })

closeWithGrace({ delay: Number(process.env.FASTIFY_CLOSE_GRACE_DELAY ?? 10_000) }, async ({ signal, err }) => {
  if (err) sync.log.error({ err }, 'mock vendors closing with error')
  else sync.log.info(`${signal} received, mock vendors closing`)
  await Promise.all([sync.close(), async.close()])
})

try {
  await sync.listen({ port: syncPort, host })
  await async.listen({ port: asyncPort, host })
} catch (err) {
  sync.log.error({ err }, 'cannot listen')
  process.exit(1)
}
