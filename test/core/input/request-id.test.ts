import { type Test, test } from 'tap'
import { buildLoggedTestApp, testConfig } from '../../helper.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** The request id the service logged for one request carrying `header` as its x-request-id. */
async function loggedId (t: Test, header?: string): Promise<unknown> {
  const { app, logs } = await buildLoggedTestApp(t, testConfig({ WORKER: 'off' }))
  await app.inject({ method: 'GET', url: '/health', headers: header === undefined ? {} : { 'x-request-id': header } })
  const ids = new Set(logs.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed').map((l) => l.reqId))
  t.equal(ids.size, 1, 'one id for the request')
  return [...ids][0]
}

test("a caller's plain x-request-id becomes the log's request id", async (t) => {
  for (const header of ['abc-123', 'trace:7f.a_b-c', 'x'.repeat(128)]) t.equal(await loggedId(t, header), header, header)
})

test('an x-request-id that is empty, too long or not a plain token is replaced by a fresh UUID', async (t) => {
  for (const header of ['', 'x'.repeat(129), 'evil\\n{"level":60}', 'two words', 'ünïcode', '"quoted"']) {
    t.match(await loggedId(t, header), UUID, JSON.stringify(header))
  }
  t.match(await loggedId(t), UUID, 'and so is a missing one')
})
