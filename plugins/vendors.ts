import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createVendorClient, type VendorClient } from '../vendors/client.js'
import type { VendorConfig } from '../vendors/config.js'

export interface VendorRegistry {
  get (name: string): VendorConfig | undefined
  names (): string[]
  client (name: string): VendorClient
  callbackUrl (name: string): string
}

declare module 'fastify' {
  interface FastifyInstance {
    vendors: VendorRegistry
  }
}

async function vendorsPlugin (app: FastifyInstance): Promise<void> {
  const { vendors, publicUrl } = app.config
  const clients = new Map<string, VendorClient>()
  for (const vendor of vendors.values()) clients.set(vendor.name, createVendorClient(vendor))

  app.decorate('vendors', {
    get: (name) => vendors.get(name),
    names: () => [...vendors.keys()],
    client (name) {
      const client = clients.get(name)
      if (client === undefined) throw new Error(`no client for vendor ${name}`)
      return client
    },
    callbackUrl: (name) => `${publicUrl}/vendor-webhook/${encodeURIComponent(name)}`
  } satisfies VendorRegistry)
  app.addHook('onClose', async () => {
    await Promise.all([...clients.values()].map((c) => c.close()))
  })
}

export default fp(vendorsPlugin, { name: 'vendors', fastify: '5.x', dependencies: ['config'] })
