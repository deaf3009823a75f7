import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { CompiledVendor } from '../vendors/adapters/compiled.js'
import { compileVendor } from '../vendors/adapters/mapping.js'
import { type CacheRules, compileCacheRules } from '../vendors/cache.js'
import { createVendorClient, type VendorClient } from '../vendors/client.js'
import type { VendorConfig } from '../vendors/config.js'
import { type PayloadCheck, payloadCheck } from '../vendors/job-types.js'

export interface VendorRuntime {
  config: VendorConfig
  /** The entry made ready: mappings compiled, secrets read, the webhook scheme chosen. */
  adapter: CompiledVendor
  client: VendorClient
  /** Whether a payload is a job this vendor serves (its declared types); the reason when not. */
  checkPayload: PayloadCheck
  /** Where an async vendor posts its callback. */
  callbackUrl: string
  /** Its result cache rules (vendors/cache.ts), per job type. */
  cache: CacheRules
}

interface VendorRegistry {
  get (name: string): VendorConfig | undefined
  names (): string[]
  /** A vendor with its adapter and client, as the dispatcher and the webhook route use it. */
  runtime (name: string): VendorRuntime | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    vendors: VendorRegistry
  }
}

/**
 * The configured vendors, each compiled once at start (a bad mapping, an unknown auth type or a missing
 * secret is a start error naming the vendor and the field) and given its own undici Pool. OAuth2 tokens
 * live where the backend keeps them: in Redis mode one token serves the fleet.
 */
async function vendorsPlugin (app: FastifyInstance): Promise<void> {
  const { vendors, publicUrl } = app.config
  const runtimes = new Map<string, VendorRuntime>()
  for (const config of vendors.values()) {
    const adapter = compileVendor(config.name, config, { tokens: { cache: app.backend.tokens } })
    runtimes.set(config.name, {
      config,
      adapter,
      client: createVendorClient(config, adapter),
      checkPayload: payloadCheck(config),
      cache: compileCacheRules(config.name, config.cache, config.types),
      callbackUrl: `${publicUrl}/vendor-webhook/${encodeURIComponent(config.name)}`
    })
  }
  app.decorate('vendors', {
    get: (name) => vendors.get(name),
    names: () => [...vendors.keys()],
    runtime: (name) => runtimes.get(name)
  } satisfies VendorRegistry)
  app.addHook('onClose', async () => {
    await Promise.all([...runtimes.values()].map((r) => r.client.close()))
  })
}

export default fp(vendorsPlugin, { name: 'vendors', fastify: '5.x', dependencies: ['config', 'backend'] })
