import Fastify from 'fastify'
import type { VendorEntry } from '../vendors/config.js'
import type { TestContext } from './helper.js'

/**
 * A vendor that echoes what it was sent (url, headers, body), credentials included, as some error pages do:
 * `/200` as JSON, `/400` and `/503` as JSON with that status, `/html` as a 200 HTML page.
 */
export async function startEchoVendor (t: TestContext): Promise<string> {
  const vendor = Fastify()
  vendor.all('/:answer', async (req, reply) => {
    const echo = JSON.stringify({ url: req.url, headers: req.headers, body: req.body ?? null })
    const { answer } = req.params as { answer: string }
    if (answer === 'html') return reply.type('text/html').send(`<html><pre>${echo}</pre></html>`)
    return reply.code(Number(answer)).type('application/json').send(echo)
  })
  t.teardown(() => vendor.close())
  return vendor.listen({ port: 0, host: '127.0.0.1' })
}

const QUICK = { retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 } }

/** Vendors at the echo vendor, one per auth and per way an echo can end up in a job: its result, its error, a mapping's complaint. */
export function echoVendors (url: string, tokenUrl: string): Record<string, VendorEntry> {
  const sync = { mode: 'sync' as const, url, ...QUICK }
  return {
    echoBearer: { ...sync, auth: { type: 'bearer', token: { env: 'PEOPLE_API_KEY' } }, request: { method: 'GET', path: "'/200'" }, response: { result: 'body' } },
    echoQuery: { ...sync, auth: { type: 'query', name: 'api_key', value: { env: 'DIRECTORY_API_KEY' } }, request: { path: "'/400'", body: 'payload' } },
    echoHeader: { ...sync, auth: { type: 'header', name: 'X-Api-Key', value: { env: 'POLL_API_KEY' } }, request: { path: "'/503'" } },
    echoBasic: { ...sync, auth: { type: 'basic', username: 'vfs-example', password: { env: 'ENRICH_API_PASSWORD' } }, request: { path: "'/html'" } },
    echoError: {
      ...sync,
      auth: { type: 'bearer', token: { env: 'PEOPLE_API_KEY' } },
      request: { path: "'/200'" },
      response: { error: "'vendor says: ' & body.headers.authorization" }
    },
    echoMapping: { ...sync, auth: { type: 'query', name: 'api_key', value: { env: 'DIRECTORY_API_KEY' } }, request: { path: "'/200'" }, response: { result: 'body.nothing' } },
    echoOAuth: {
      ...sync,
      auth: { type: 'oauth2-client-credentials', tokenUrl, clientId: 'vfs-example', clientSecret: { env: 'COMPANY_CLIENT_SECRET' } },
      request: { path: "'/200'" },
      response: { result: 'body' }
    }
  }
}

/** What each echo vendor's job must end as: the echo arrived, with its credentials redacted. */
export const ECHO_OUTCOMES: Record<string, { status: string, result?: unknown, error?: RegExp }> = {
  echoBearer: { status: 'complete', result: { headers: { authorization: 'Bearer [redacted]' } } },
  echoQuery: { status: 'failed', error: /^echoQuery rejected the call with 400: .*api_key=\[redacted\]/ },
  echoHeader: { status: 'failed', error: /^echoHeader answered 503: .*"x-api-key":"\[redacted\]".*\(after 2 attempts\)$/ },
  echoBasic: { status: 'failed', error: /^echoBasic answered 200 with a body that is not JSON: .*"authorization":"Basic \[redacted\]".*\(after 2 attempts\)$/ },
  echoError: { status: 'failed', error: /^vendor says: Bearer \[redacted\]$/ },
  echoMapping: { status: 'failed', error: /^vendor "echoMapping": response\.result: yielded nothing for the answer 200: .*api_key=\[redacted\]/ },
  echoOAuth: { status: 'complete', result: { headers: { authorization: 'Bearer [redacted]' } } }
}
