import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { Agent, request } from 'undici'
import { freePort, waitFor } from '../helper.js'
import { healthy, startProcess } from './processes.js'

const JOBS = 500

test('the API started as its own process completes 500 concurrent jobs, half for each vendor, over real HTTP', async (t) => {
  const [port, syncPort, asyncPort] = [await freePort(), await freePort(), await freePort()]
  const dir = t.testdir()
  const vendorsFile = join(dir, 'vendors.json')
  // The in-process mock vendors listen where these URLs point, so the test owns every port it uses.
  writeFileSync(vendorsFile, JSON.stringify({
    syncVendor: { url: `http://127.0.0.1:${syncPort}` },
    asyncVendor: { url: `http://127.0.0.1:${asyncPort}` }
  }))
  const api = startProcess(t, 'server.ts', { PORT: String(port), HOST: '127.0.0.1', VENDORS_FILE: vendorsFile })
  const base = `http://127.0.0.1:${port}`
  await healthy(api, base)

  const dispatcher = new Agent({ connections: 64 })
  t.teardown(() => dispatcher.close())
  const ids = await Promise.all(Array.from({ length: JOBS }, async (_, i) => {
    const vendor = i % 2 === 0 ? 'syncVendor' : 'asyncVendor'
    const res = await request(`${base}/jobs`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ vendor, type: 'user_data', userId: i })
    })
    const body = await res.body.json() as { request_id: string }
    if (res.statusCode !== 202) throw new Error(`POST /jobs answered ${res.statusCode}`)
    return { id: body.request_id, vendor }
  }))
  t.equal(new Set(ids.map((j) => j.id)).size, JOBS, 'every job got its own id')

  const statuses = await waitFor(async () => {
    const jobs = await Promise.all(ids.map(async ({ id }) => {
      const res = await request(`${base}/jobs/${id}`, { dispatcher })
      return await res.body.json() as { status: string, vendor: string, result?: { request_id?: string } }
    }))
    return jobs.every((j) => j.status === 'complete' || j.status === 'failed') ? jobs : undefined
  }, 60_000, 'all jobs to end')

  t.equal(statuses.filter((j) => j.status === 'complete').length, JOBS, 'all complete')
  t.ok(statuses.every((j, i) => j.vendor === ids[i]?.vendor && j.result?.request_id === ids[i]?.id), 'each with its own vendor result')
  t.equal(await api.stop('SIGTERM'), 0, 'a graceful stop exits 0')
})
