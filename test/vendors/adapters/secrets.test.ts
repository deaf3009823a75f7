import { inspect } from 'node:util'
import { test } from 'tap'
import { readAnswer } from '../../../vendors/adapters/answer.js'
import type { CompiledVendor } from '../../../vendors/adapters/compiled.js'
import type { Auth } from '../../../vendors/adapters/entry.js'
import { compileVendor } from '../../../vendors/adapters/mapping.js'
import { buildPollRequest, readPollAnswer } from '../../../vendors/adapters/poll.js'
import { buildRequest } from '../../../vendors/adapters/request.js'
import { readCallback, verifyCallback } from '../../../vendors/adapters/webhook.js'
import { buildMockOAuthVendor } from '../../../vendors/mock/oauth.js'
import { call, compileExample, ENV, SECRET_VALUES, send, startExampleMock, startReceiver, until } from './example.js'

/** Everything a caller could log or store of what a flow gave back: messages, stacks, own fields, nested data. */
function texts (items: unknown[]): string {
  return items.map((item) => item instanceof Error
    ? `${item.message}\n${item.stack}\n${JSON.stringify(item)}\n${inspect(item, { depth: 10 })}`
    : `${JSON.stringify(item)}\n${inspect(item, { depth: 10 })}`).join('\n')
}

function leaks (items: unknown[], secrets: string[]): string[] {
  const text = texts(items)
  return secrets.filter((secret) => text.includes(secret))
}

/** An API that echoes what it was sent (path, query and headers) in its answer, under `status`, as JSON or as text. */
const ECHO_MAPPINGS = [
  { response: {} },
  { response: { result: 'body.nothing' } },
  { response: { result: "$number(body.headers.authorization & body.url & body.headers.'x-key')" } },
  { response: { error: "'vendor says: ' & body.url & ' ' & body.headers.authorization & ' ' & body.headers.'x-key'" } },
  { response: { result: 'body' } }
]

const AUTHS: Auth[] = [
  { type: 'bearer', token: { env: 'PEOPLE_API_KEY' } },
  { type: 'header', name: 'X-Key', value: { env: 'POLL_API_KEY' } },
  { type: 'query', name: 'api_key', value: { env: 'DIRECTORY_API_KEY' } },
  { type: 'basic', username: 'u', password: { env: 'ENRICH_API_PASSWORD' } }
]

test('vendors echoing our credentials, in every way an answer can fail or succeed, never get a secret into an error or a result', async (t) => {
  for (const status of [200, 400, 401, 503]) {
    for (const kind of ['json', 'text']) {
      const { callbackUrl } = await startReceiver(t, ({ url, headers }) => {
        const echo = JSON.stringify({ url, headers })
        return { status, body: kind === 'json' ? echo : `<html>${echo}</html>` }
      })
      for (const auth of AUTHS) {
        for (const mapping of ECHO_MAPPINGS) {
          const vendor = compileVendor('echo', { mode: 'sync', url: callbackUrl, auth, request: { path: "'/x'" }, ...mapping }, { env: ENV })
          const req = await buildRequest(vendor, call({ q: 1 }))
          const outcome = await readAnswer(vendor, undefined, req, await send(req)).catch((e: unknown) => e)
          t.same(leaks([outcome], SECRET_VALUES), [], `${status} ${kind} ${auth.type} ${JSON.stringify(mapping.response)}`)
        }
      }
    }
  }
})

test('an OAuth2 vendor echoing its token and a token endpoint echoing our form leak neither', async (t) => {
  const oauth = buildMockOAuthVendor({ clientId: 'c', clientSecret: ENV.COMPANY_CLIENT_SECRET })
  t.teardown(() => oauth.close())
  const tokenOrigin = await oauth.listen({ port: 0, host: '127.0.0.1' })
  const { callbackUrl } = await startReceiver(t, ({ headers }) => ({ status: 502, body: JSON.stringify(headers) }))
  const vendor = compileVendor('o', {
    mode: 'sync',
    url: callbackUrl,
    auth: { type: 'oauth2-client-credentials', tokenUrl: `${tokenOrigin}/oauth/token`, clientId: 'c', clientSecret: { env: 'COMPANY_CLIENT_SECRET' } }
  }, { env: ENV })
  const req = await buildRequest(vendor, call({}))
  const token = (req.headers.authorization ?? '').slice('Bearer '.length)
  t.match(token, /^tok_/)
  const err = await readAnswer(vendor, undefined, req, await send(req)).catch((e: unknown) => e)
  t.match(err, { name: 'VendorError', message: /\[redacted\]/ })
  t.same(leaks([err], [...SECRET_VALUES, token]), [])

  const { callbackUrl: echoForm } = await startReceiver(t, ({ raw }) => ({ status: 400, body: raw.toString() }))
  const formEcho = compileVendor('o', {
    mode: 'sync', url: callbackUrl, auth: { type: 'oauth2-client-credentials', tokenUrl: echoForm, clientId: 'c', clientSecret: { env: 'COMPANY_CLIENT_SECRET' } }
  }, { env: ENV })
  const refused = await buildRequest(formEcho, call({})).catch((e: unknown) => e)
  t.match(refused, { name: 'TokenError' })
  t.same(leaks([refused], SECRET_VALUES), [])
})

test('whole flows of every example vendor give back results, ids and callbacks free of secrets', async (t) => {
  const found: unknown[] = []
  const keep = async (vendor: CompiledVendor, type?: string, more: Parameters<typeof call>[1] = {}, payload: Record<string, unknown> = {}) => {
    const req = await buildRequest(vendor, call(payload, { ...more, type }))
    const outcome = await readAnswer(vendor, type, req, await send(req))
    found.push(outcome)
    return outcome
  }
  for (const name of ['peopleVendor', 'companyVendor', 'directoryVendor'] as const) {
    const { origin } = await startExampleMock(t, name)
    const vendor = compileExample(name, origin)
    if (name === 'directoryVendor') {
      await keep(vendor, 'user_data', {}, { userId: 1 })
      await keep(vendor, 'company_data', {}, { domain: 'a.com' })
    } else {
      await keep(vendor, undefined, {}, { email: 'a@b.c', domain: 'a.com' })
    }
  }
  const poll = await startExampleMock(t, 'pollVendor', { pollReadyAfterMs: 0 })
  const pollVendor = compileExample('pollVendor', poll.origin)
  const { vendorRef } = await keep(pollVendor, undefined, {}, { q: 1 }) as { vendorRef: string }
  const pollReq = await buildPollRequest(pollVendor, call({}, { vendorRef }))
  found.push(await readPollAnswer(pollVendor, pollReq, await send(pollReq)))
  for (const name of ['enrichVendor', 'enrichHmacVendor'] as const) {
    const { callbackUrl, deliveries } = await startReceiver(t)
    const { origin } = await startExampleMock(t, name)
    const vendor = compileExample(name, origin)
    await keep(vendor, undefined, { callbackUrl }, { simulate: 'failure' })
    t.ok(await until(() => deliveries.length === 1))
    const delivery = deliveries[0]
    if (delivery === undefined) continue
    found.push(verifyCallback(vendor, delivery.raw, delivery.headers), verifyCallback(vendor, `${delivery.raw}x`, delivery.headers))
    found.push(await readCallback(vendor, { headers: delivery.headers, body: JSON.parse(delivery.raw.toString()) }))
  }
  t.equal(found.length, 14)
  t.same(leaks(found, SECRET_VALUES), [])
})
