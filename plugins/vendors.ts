import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createVendorClient, type VendorClient } from '../vendors/client.js'
import type { VendorConfig } from '../vendors/config.js'

export interface VendorRuntime {
  config: VendorConfig
  client: VendorClient
  /** Where an async vendor posts its callback. */
  callbackUrl: string
}

export interface VendorRegistry {
  get (name: string): VendorConfig | undefined
  names (): string[]
  /** A vendor with its client, as the dispatcher calls it. */
  runtime (name: string): VendorRuntime | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    vendors: VendorRegistry
  }
}

/** The configured vendors, each with its own undici Pool. */
async function vendorsPlugin (app: FastifyInstance): Promise<void> {
  const { vendors, publicUrl } = app.config
  const runtimes = new Map<string, VendorRuntime>()
  for (const config of vendors.values()) {
    runtimes.set(config.name, {
      config,
      client: createVendorClient(config),
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

export default fp(vendorsPlugin, { name: 'vendors', fastify: '5.x', dependencies: ['config'] })
