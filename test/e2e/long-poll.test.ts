import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test, test } from 'tap'
import { request } from 'undici'
import { freePort } from '../helper.js'
import { skipWithoutRedis } from '../redis-server.js'
import { healthy, startProcess } from './processes.js'
import { startStack } from './stack.js'

/**
 * A long poll answers within 100 ms of the vendor's answer, whichever process ended the job: the vendor
 * holds each call LATENCY ms, its answer is dated by the vendor's own arrival stamp plus that, and the
 * poll's answer by the test's clock when it arrived (one machine, one clock).
 */
const skip = skipWithoutRedis(t)
const LATENCY = 400
const JOBS = 8

interface Waited { status: string, lateMs: number }

/** Posts jobs one after another, each waited on at once; how long after the vendor answered each poll answered. */
async function waitEach (base: string, vendorUrl: string): Promise<Waited[]> {
  const waited: Waited[] = []
  for (let i = 0; i < JOBS; i++) {
    const posted = await request(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vendor: 'syncVendor', userId: i }) })
    const { request_id: id } = await posted.body.json() as { request_id: string }
    const res = await request(`${base}/jobs/${id}?wait=30`)
    const answeredAt = Date.now()
    const { status } = await res.body.json() as { status: string }
    const stats = await (await request(`${vendorUrl}/admin/stats?request_id=${id}`)).body.json() as { times: number[] }
    waited.push({ status, lateMs: answeredAt - ((stats.times[0] ?? 0) + LATENCY) })
  }
  return waited
}

function judge (t: Test, waited: Waited[]): void {
  t.ok(waited.every((w) => w.status === 'complete'), 'each poll answered with the job complete')
  const late = waited.map((w) => Math.round(w.lateMs))
  t.ok(late.every((ms) => ms >= -5), `no poll answered before the vendor did (${late.join(', ')} ms)`)
  t.ok(late.every((ms) => ms < 100), `every poll answered within 100 ms of the vendor's answer (${late.join(', ')} ms)`)
}

test('embedded: a long poll answers within 100 ms of the vendor\'s answer', async (t) => {
  const [port, syncPort, asyncPort] = [await freePort(), await freePort(), await freePort()]
  const vendorsFile = join(t.testdir(), 'vendors.json')
  writeFileSync(vendorsFile, JSON.stringify({ syncVendor: { url: `http://127.0.0.1:${syncPort}` }, asyncVendor: { url: `http://127.0.0.1:${asyncPort}` } }))
  const api = startProcess(t, 'server.ts', {
    PORT: String(port), HOST: '127.0.0.1', VENDORS_FILE: vendorsFile, MOCK_LATENCY_MS: String(LATENCY), MOCK_WEBHOOK_DELAY_MIN_MS: '20000', MOCK_WEBHOOK_DELAY_MAX_MS: '20000'
  })
  const base = `http://127.0.0.1:${port}`
  await healthy(api, base)
  judge(t, await waitEach(base, `http://127.0.0.1:${syncPort}`))

  // A wait that ends first answers the job as it stands; a stopping process answers its waits at once.
  const posted = await request(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vendor: 'asyncVendor' }) })
  const { request_id: id } = await posted.body.json() as { request_id: string }
  const short = await (await request(`${base}/jobs/${id}?wait=1`)).body.json() as { status: string }
  t.not(short.status, 'complete', `a 1 s wait on a job still waiting for its callback answers it ${short.status}`)
  const held = request(`${base}/jobs/${id}?wait=60`)
  await new Promise((resolve) => setTimeout(resolve, 300))
  const stopping = Date.now()
  const exited = api.stop('SIGTERM')
  const answer = await held
  t.equal(answer.statusCode, 200, 'the open wait is answered as the process stops')
  await answer.body.dump()
  t.equal(await exited, 0)
  t.ok(Date.now() - stopping < 10_000, `and the process exits promptly (${Date.now() - stopping} ms), not after the wait`)
})

test('redis: a long poll on the API answers within 100 ms of the vendor\'s answer to a worker in another process; MAX_WAITERS holds', { skip }, async (t) => {
  const stack = await startStack(t, { mockEnv: { MOCK_LATENCY_MS: String(LATENCY) }, env: { MAX_WAITERS: '3' } })
  await stack.startWorker()
  judge(t, await waitEach(stack.base, stack.syncVendor))

  const ids = await Promise.all(Array.from({ length: 3 }, async () => (await stack.post({ vendor: 'asyncVendor' })).id as string))
  const held = ids.map((id) => request(`${stack.base}/jobs/${id}?wait=3`))
  await new Promise((resolve) => setTimeout(resolve, 500))
  const refused = await request(`${stack.base}/jobs/${ids[0]}?wait=3`)
  t.equal(refused.statusCode, 503, 'a fourth wait on a process that allows three')
  t.ok(Number(refused.headers['retry-after']) > 0, 'with Retry-After')
  t.match(await refused.body.json(), { code: 'VFS_ERR_TOO_MANY_WAITS' })
  for (const res of await Promise.all(held)) await res.body.dump()
  const again = await request(`${stack.base}/jobs/${ids[0]}?wait=1`)
  t.equal(again.statusCode, 200, 'once they answered, a wait opens again')
  await again.body.dump()
})
