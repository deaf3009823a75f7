import { test } from 'tap'
import { buildApp } from '../../app.js'
import { freePort, startMocks, testConfig, waitFor } from '../helper.js'

test('every line about a job carries its request_id and vendor, in the API and in its worker', async (t) => {
  const mocks = await startMocks(t)
  const port = await freePort()
  const logs: Array<Record<string, unknown>> = []
  const app = await buildApp(testConfig({ PORT: String(port) }, mocks.vendors), {
    logger: { level: 'info', stream: { write: (line: string) => logs.push(JSON.parse(line)) } }
  })
  t.teardown(() => app.close())
  await app.listen({ port, host: '127.0.0.1' })

  const jobs: Array<{ id: string, vendor: string }> = []
  for (const vendor of ['syncVendor', 'asyncVendor']) {
    const res = await app.inject({ method: 'POST', url: '/jobs', payload: { vendor, userId: 7 } })
    jobs.push({ id: res.json().request_id, vendor })
  }
  for (const { id } of jobs) {
    await waitFor(async () => (await app.inject({ method: 'GET', url: `/jobs/${id}` })).json().status === 'complete' || undefined, 10_000, `job ${id}`)
  }
  await app.close()

  for (const { id, vendor } of jobs) {
    const about = logs.filter((line) => JSON.stringify(line).includes(id))
    const incoming = about.filter((line) => line.msg === 'incoming request')
    const rest = about.filter((line) => line.msg !== 'incoming request')
    t.same(rest.filter((line) => line.request_id !== id || line.vendor !== vendor), [], `every line about ${vendor}'s job names it and its vendor`)
    t.same(incoming.filter((line) => line.request_id !== id), [], 'a request for /jobs/{id} names the job from its first line')
    const messages = new Set(rest.map((line) => line.msg))
    t.ok(messages.has('request completed'), 'the requests\' access lines')
    t.ok(messages.has(vendor === 'syncVendor' ? 'job complete' : 'job ended by webhook'), 'the worker\'s or the webhook\'s line')
  }
})
