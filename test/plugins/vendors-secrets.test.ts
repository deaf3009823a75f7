import { test } from 'tap'
import { buildLoggedTestApp, freePort, testConfig } from '../helper.js'
import { DIALECT_JOBS, ended, exampleVendors, getJob, leaked, postJob, startDialectMocks, useSecrets } from '../dialects.js'
import { ECHO_OUTCOMES, echoVendors, startEchoVendor } from '../echo-vendor.js'

useSecrets()

/** Jobs the dialect mocks fail, so that the vendors' error paths are searched too. */
const FAILING = [
  { vendor: 'peopleVendor', email: 'nobody@example.com' },
  { vendor: 'enrichVendor', simulate: 'failure' },
  { vendor: 'enrichHmacVendor', simulate: 'failure' },
  { vendor: 'pollVendor', simulate: 'failure' }
]

test('a whole flow of every dialect and of vendors echoing our credentials leaves no secret in a log line at trace level, a job answer or a stored job', async (t) => {
  const { urls } = await startDialectMocks(t)
  const echo = await startEchoVendor(t)
  const port = await freePort()
  const vendors = { ...exampleVendors(urls), ...echoVendors(echo, `${urls.companyVendor}/oauth/token`) }
  const { app, logs } = await buildLoggedTestApp(t, testConfig({ PORT: String(port) }, vendors), 'trace')
  await app.listen({ port, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${port}`

  const echoJobs = Object.keys(ECHO_OUTCOMES).map((vendor) => ({ vendor, q: 1 }))
  const bodies = [...DIALECT_JOBS.map(({ vendor, body }) => ({ vendor, ...body })), ...FAILING, ...echoJobs]
  const ids = await Promise.all(bodies.map((body) => postJob(url, body)))
  const answers: string[] = []
  for (const [i, id] of ids.entries()) {
    const job = await ended(url, id)
    const expected = ECHO_OUTCOMES[String(bodies[i]?.vendor)]
    if (expected !== undefined) t.match(job, expected, `${bodies[i]?.vendor}: its echo arrived, redacted`)
    else t.equal(job.status, i < DIALECT_JOBS.length ? 'complete' : 'failed', String(bodies[i]?.vendor))
    answers.push((await getJob(url, id)).text)
  }
  const stored = await Promise.all(ids.map((id) => app.backend.store.get(id)))

  const lines = logs.map((line) => JSON.stringify(line))
  t.ok(lines.length >= 5 * ids.length, `${lines.length} log lines searched`)
  t.ok(lines.some((line) => line.includes('[redacted]')), 'echoes of our credentials reached the log, redacted')
  t.same(leaked(lines.join('\n')), [], 'no secret in any log line')
  t.same(leaked(answers.join('\n')), [], 'no secret in any GET /jobs/{id} answer')
  t.same(leaked(JSON.stringify(stored)), [], 'no secret in any stored job')
})
