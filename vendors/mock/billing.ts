import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { acceptForms, failsOnce } from './forms.js'
import { createMockVendor, type MockVendorOptions, seenId } from './vendor.js'

export interface MockBillingOptions extends MockVendorOptions {
  /** Stripe's way: the key as the Basic user name, with an empty password. */
  apiKey: string
}

const CUSTOMERS = Array.from({ length: 7 }, (_, i) => ({ id: `cus_${String(i + 1).padStart(4, '0')}`, object: 'customer', email: `customer${i + 1}@example.com` }))

/**
 * A billing vendor in Stripe's dialect: form-encoded bodies with `metadata[key]` and `expand[]`, Basic auth
 * with the key as the user name, and lists a page at a time by cursor (`limit`, `starting_after`, `has_more`).
 */
export function buildMockBillingVendor (opts: MockBillingOptions): FastifyInstance {
  const { app, faults, admit } = createMockVendor(opts)
  acceptForms(app)
  const basic = `Basic ${Buffer.from(`${opts.apiKey}:`).toString('base64')}`
  const failed = failsOnce()
  const invalid = (message: string, param?: string) => ({ error: { type: 'invalid_request_error', message, ...(param === undefined ? {} : { param }) } })
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/v1/') && request.headers.authorization !== basic) {
      return reply.code(401).send(invalid('Invalid API Key provided'))
    }
  })

  app.post('/v1/charges', async (request, reply) => {
    const form = request.body as URLSearchParams
    const amount = form.get('amount') ?? ''
    const currency = form.get('currency') ?? ''
    if (!/^[1-9][0-9]{0,8}$/.test(amount)) return reply.code(400).send(invalid('Invalid positive integer', 'amount'))
    if (!/^[a-z]{3}$/.test(currency)) return reply.code(400).send(invalid('Invalid currency', 'currency'))
    const id = `ch_${createHash('sha256').update(form.toString()).digest('hex').slice(0, 16)}`
    if (!await admit(seenId(request.headers, id), reply)) return reply
    const metadata: Record<string, string> = {}
    for (const [key, value] of form) {
      const name = /^metadata\[([^\]]+)\]$/.exec(key)?.[1]
      if (name !== undefined) metadata[name] = value
    }
    return { id, object: 'charge', amount: Number(amount), currency, paid: true, metadata, expanded: form.getAll('expand[]') }
  })

  app.get('/v1/customers', async (request, reply) => {
    const query = request.query as { limit?: string, starting_after?: string }
    const limit = Math.min(100, Number(query.limit ?? 10))
    if (!Number.isInteger(limit) || limit < 1) return reply.code(400).send(invalid('Invalid integer', 'limit'))
    const after = query.starting_after === undefined ? -1 : CUSTOMERS.findIndex((c) => c.id === query.starting_after)
    if (query.starting_after !== undefined && after === -1) return reply.code(400).send(invalid('No such customer', 'starting_after'))
    const key = seenId(request.headers, `customers-${query.starting_after ?? ''}`)
    if (!await admit(key, reply)) return reply
    if (failed(key, Math.floor((after + 1) / limit) + 1, faults.pageFailOnce)) return reply.code(500).send(invalid('injected failure of this page'))
    const data = CUSTOMERS.slice(after + 1, after + 1 + limit)
    return { object: 'list', url: '/v1/customers', has_more: after + 1 + limit < CUSTOMERS.length, data }
  })
  return app
}
