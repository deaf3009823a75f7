import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { loadConfig } from '../../plugins/config.js'
import { buildTestApp, freePort } from '../helper.js'
import { DIALECT_JOBS, dialectPorts, ended, exampleVendors, postJob, useSecrets } from '../dialects.js'

useSecrets()

test('embedded mode with vendors.example.json starts the mocks it names in process, and every dialect completes against them', async (t) => {
  const { urls } = await dialectPorts()
  const [port, syncPort, asyncPort] = [await freePort(), await freePort(), await freePort()]
  const file = join(t.testdir(), 'vendors.json')
  writeFileSync(file, JSON.stringify({
    syncVendor: { url: `http://127.0.0.1:${syncPort}` },
    asyncVendor: { url: `http://127.0.0.1:${asyncPort}` },
    ...exampleVendors(urls)
  }))
  // No load shedding: the app shares its event loop with the test and its mocks (as testConfig does).
  const app = await buildTestApp(t, loadConfig({ VENDORS_FILE: file, PORT: String(port), LOG_LEVEL: 'silent', MAX_EVENT_LOOP_DELAY_MS: '0' }))
  t.equal(app.config.mockVendors, 'in-process')
  const base = await app.listen({ port, host: '127.0.0.1' })
  const ids = await Promise.all(DIALECT_JOBS.map(({ vendor, body }) => postJob(base, { vendor, ...body })))
  for (const [i, { vendor, result, attempts = 1 }] of DIALECT_JOBS.entries()) {
    t.match(await ended(base, ids[i] ?? ''), { status: 'complete', attempts, result }, vendor)
  }
})
