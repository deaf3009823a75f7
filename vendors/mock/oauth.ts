import { randomBytes } from 'node:crypto'
import { type Static, Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { createMockVendor, type MockVendorOptions, seenId } from './vendor.js'

export interface MockOAuthOptions extends MockVendorOptions {
  clientId: string
  clientSecret: string
  /** expires_in of the tokens issued. */
  tokenTtlS?: number
}

/** How the token endpoint misbehaves: not at all, a 503, or a 200 that is an HTML page. */
const TokenEndpoint = Type.Object({
  tokenTtlS: Type.Integer({ minimum: 1 }),
  fault: Type.Union([Type.Literal('none'), Type.Literal('fail'), Type.Literal('garbage')])
}, { additionalProperties: false })

const TokenStats = Type.Object({
  tokenRequests: Type.Integer({ description: 'calls of the token endpoint, answered or not' }),
  tokensIssued: Type.Integer(),
  activeTokens: Type.Integer({ description: 'issued, not expired and not revoked' })
})

/**
 * A vendor behind OAuth2 client credentials: `POST /oauth/token` (form-encoded, the client's id and secret in
 * the form or as HTTP Basic) issues short-lived bearer tokens; `POST /v1/companies/search {domain}` answers
 * 401 to a token that is unknown, expired or revoked. The admin routes count tokens, revoke them all, and
 * make the token endpoint fail.
 */
export function buildMockOAuthVendor (opts: MockOAuthOptions): FastifyInstance {
  const { app, admit } = createMockVendor(opts)
  const endpoint: Static<typeof TokenEndpoint> = { tokenTtlS: opts.tokenTtlS ?? 3600, fault: 'none' }
  const tokens = new Map<string, number>()
  let tokenRequests = 0
  let tokensIssued = 0
  const live = (token: string) => (tokens.get(token) ?? 0) > Date.now()

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })

  app.post('/oauth/token', {
    schema: { body: Type.Record(Type.String(), Type.String()) }
  }, async (request, reply) => {
    tokenRequests++
    if (endpoint.fault === 'fail') return reply.code(503).send({ error: 'temporarily_unavailable' })
    if (endpoint.fault === 'garbage') return reply.code(200).type('text/html').send('<html><body>Login</body></html>')
    const form = request.body
    if (form.grant_type !== 'client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' })
    const [id, secret] = basicCredentials(request.headers.authorization) ?? [form.client_id, form.client_secret]
    if (id !== opts.clientId || secret !== opts.clientSecret) return reply.code(401).send({ error: 'invalid_client' })
    const token = `tok_${randomBytes(18).toString('base64url')}`
    // Expired tokens are forgotten as new ones are issued, so a long run keeps only the live ones.
    for (const [old, until] of tokens) if (until <= Date.now()) tokens.delete(old)
    tokens.set(token, Date.now() + endpoint.tokenTtlS * 1000)
    tokensIssued++
    return { access_token: token, token_type: 'Bearer', expires_in: endpoint.tokenTtlS, ...(form.scope ? { scope: form.scope } : {}) }
  })

  app.post('/v1/companies/search', {
    schema: { body: Type.Object({ domain: Type.String({ minLength: 1 }) }) }
  }, async (request, reply) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
    if (token === undefined || !live(token)) {
      return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send({ error: 'invalid_token' })
    }
    const { domain } = request.body
    if (!await admit(seenId(request.headers, domain), reply)) return reply
    const name = domain.split('.')[0] ?? domain
    return { data: { domain, name: name.charAt(0).toUpperCase() + name.slice(1), employees: 10 + (domain.length * 37) % 5000 } }
  })

  app.get('/admin/oauth', { schema: { response: { 200: TokenStats } } }, async () => {
    return { tokenRequests, tokensIssued, activeTokens: [...tokens.keys()].filter(live).length }
  })
  app.put('/admin/oauth', { schema: { body: Type.Partial(TokenEndpoint), response: { 200: TokenEndpoint } } }, async (request) => {
    return Object.assign(endpoint, request.body)
  })
  app.post('/admin/oauth/revoke', async (_request, reply) => {
    tokens.clear()
    return reply.code(204).send()
  })
  return app
}

function basicCredentials (header: string | undefined): [string, string] | undefined {
  const encoded = /^Basic (.+)$/.exec(header ?? '')?.[1]
  if (encoded === undefined) return undefined
  const text = Buffer.from(encoded, 'base64').toString()
  const at = text.indexOf(':')
  return at < 0 ? undefined : [text.slice(0, at), text.slice(at + 1)]
}
