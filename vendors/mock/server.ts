/**
 * `npm run vendors`: the mock vendors as their own process, as docker-compose runs them: ours on 3001 and
 * 3002, and those speaking other dialects (vendors.example.json) on 3004 to 3009.
 */
import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { buildMockAsyncVendor } from './async.js'
import { buildDialectMocks, DIALECT_PORTS, type DialectName, dialectSecretsFromEnv } from './dialects.js'
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
    dialectPorts: Object.fromEntries(Object.entries(DIALECT_PORTS)
      .map(([name, { env: variable, port: fallback }]) => [name, port(env, variable, fallback)])) as Record<DialectName, number>,
    level,
    secret,
    secrets: dialectSecretsFromEnv(env),
    pollReadyAfterMs: whole(env, 'POLL_VENDOR_READY_AFTER_MS', 1000, 0),
    tokenTtlS: whole(env, 'COMPANY_TOKEN_TTL_S', 3600, 1),
    faults: faultsFromEnv(env)
  }
}

function whole (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const text = env[name] || String(fallback)
  const value = Number(text)
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min}, got "${text}"`)
  return value
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

const { host, syncPort, asyncPort, dialectPorts, level, secret, faults } = settings
const sync = buildMockSyncVendor({ faults, logger: { level, name: 'syncVendor' } })
const async = buildMockAsyncVendor({ secret, faults, logger: { level, name: 'asyncVendor' } })
const mocks: Array<[FastifyInstance, number]> = [[sync, syncPort], [async, asyncPort]]
const dialects = buildDialectMocks(settings)
for (const name of Object.keys(dialects) as DialectName[]) mocks.push([dialects[name], dialectPorts[name]])

closeWithGrace({ delay: Number(process.env.FASTIFY_CLOSE_GRACE_DELAY ?? 10_000) }, async ({ signal, err }) => {
  if (err) sync.log.error({ err }, 'mock vendors closing with error')
  else sync.log.info(`${signal} received, mock vendors closing`)
  await Promise.all(mocks.map(([mock]) => mock.close()))
})

try {
  for (const [mock, port] of mocks) await mock.listen({ port, host })
} catch (err) {
  sync.log.error({ err }, 'cannot listen')
  process.exit(1)
}
