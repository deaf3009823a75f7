import { type Static, Type } from '@sinclair/typebox'
import envSchema from 'env-schema'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { DEV_ASYNC_VENDOR_SECRET, loadVendors, type Vendors } from '../vendors/config.js'

const Env = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  REDIS_URL: Type.Optional(Type.String({ minLength: 1 })),
  MONGO_URL: Type.Optional(Type.String({ minLength: 1 })),
  WORKER: Type.Union([Type.Literal('in-process'), Type.Literal('off')], { default: 'in-process' }),
  MOCK_VENDORS: Type.Optional(Type.Union([Type.Literal('in-process'), Type.Literal('off')])),
  VENDORS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  WORKER_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3003 }),
  ASYNC_VENDOR_SECRET: Type.String({ minLength: 8, default: DEV_ASYNC_VENDOR_SECRET }),
  SWEEP_INTERVAL_MS: Type.Integer({ minimum: 10, default: 1000 })
})

export interface Config {
  port: number
  host: string
  logLevel: string
  mode: 'embedded'
  worker: 'in-process' | 'off'
  mockVendors: 'in-process' | 'off'
  publicUrl: string
  workerPort: number
  sweepIntervalMs: number
  vendors: Vendors
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Reads and validates the environment once, at start; any bad value is one clear error. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): Config {
  let raw: Static<typeof Env>
  try {
    raw = envSchema<Static<typeof Env>>({ schema: Env, data: env, env: false })
  } catch (err) {
    throw new ConfigError(`invalid environment: ${(err as Error).message}`)
  }
  if (raw.REDIS_URL !== undefined || raw.MONGO_URL !== undefined) {
    throw new ConfigError('REDIS_URL and MONGO_URL are not supported yet: this version runs in embedded mode only')
  }
  return {
    port: raw.PORT,
    host: raw.HOST,
    logLevel: raw.LOG_LEVEL,
    mode: 'embedded',
    worker: raw.WORKER,
    mockVendors: raw.MOCK_VENDORS ?? 'in-process',
    publicUrl: (raw.PUBLIC_URL ?? `http://127.0.0.1:${raw.PORT}`).replace(/\/+$/, ''),
    workerPort: raw.WORKER_PORT,
    sweepIntervalMs: raw.SWEEP_INTERVAL_MS,
    vendors: loadVendors(raw.VENDORS_FILE, raw.ASYNC_VENDOR_SECRET)
  }
}

async function configPlugin (app: FastifyInstance, opts: { config: Config }): Promise<void> {
  app.decorate('config', opts.config)
}

export default fp(configPlugin, { name: 'config', fastify: '5.x' })
