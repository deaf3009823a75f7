import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { buildMockAsyncVendor } from '../vendors/mock/async.js'
import { buildDialectMocks, DIALECT_PORTS, type DialectName, dialectSecretsFromEnv } from '../vendors/mock/dialects.js'
import { faultsFromEnv } from '../vendors/mock/faults.js'
import { buildMockSyncVendor } from '../vendors/mock/sync.js'

/**
 * Embedded mode starts the mock vendors inside this process, each listening where its vendor's URL points:
 * syncVendor and asyncVendor (3001 and 3002 unless VENDORS_FILE moves them), and those of
 * vendors.example.json that the configuration names, with the secrets its variables give.
 */
async function mockVendorsPlugin (app: FastifyInstance): Promise<void> {
  const { vendors } = app.config
  const syncVendor = vendors.get('syncVendor')
  const asyncVendor = vendors.get('asyncVendor')
  if (syncVendor?.mode !== 'sync' || asyncVendor?.mode !== 'async' || asyncVendor.webhookSecret === undefined) {
    throw new Error('MOCK_VENDORS=in-process needs syncVendor (sync) and asyncVendor (async, with a webhookSecret)')
  }
  const faults = faultsFromEnv()
  const mocks = [
    { server: buildMockSyncVendor({ faults }), url: new URL(syncVendor.url) },
    { server: buildMockAsyncVendor({ secret: asyncVendor.webhookSecret, faults }), url: new URL(asyncVendor.url) }
  ]
  const configured = (Object.keys(DIALECT_PORTS) as DialectName[]).filter((name) => vendors.has(name))
  if (configured.length > 0) {
    const dialects = buildDialectMocks({ secrets: dialectSecretsFromEnv(process.env), faults, pollReadyAfterMs: 1000, tokenTtlS: 3600, level: 'silent' })
    for (const name of configured) mocks.push({ server: dialects[name], url: new URL(vendors.get(name)?.url ?? '') })
  }
  app.addHook('onReady', async () => {
    await Promise.all(mocks.map(({ server, url }) => server.listen({ port: Number(url.port || 80), host: url.hostname })))
    app.log.info({ vendors: mocks.map(({ url }) => url.origin) }, 'mock vendors listening in process')
  })
  app.addHook('onClose', async () => {
    await Promise.all(mocks.map(({ server }) => server.close()))
  })
}

export default fp(mockVendorsPlugin, { name: 'mock-vendors', fastify: '5.x', dependencies: ['config'] })
