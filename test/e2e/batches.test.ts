import t, { test } from 'tap'
import { request } from 'undici'
import { skipWithoutRedisCluster } from '../redis-cluster.js'
import { skipWithoutRedis } from '../redis-server.js'
import { type Stack, startStack } from './stack.js'

/** Batches through the deployed shape: an API, a worker and the mock vendors, on one Redis and on a Redis Cluster. */
const skip = skipWithoutRedis(t)
const skipCluster = skipWithoutRedisCluster(t)

type Item = { request_id: string } | { error: { statusCode: number, code: string, message: string } }

const postBatch = async (stack: Stack, jobs: unknown[], key?: string) => {
  const res = await request(`${stack.base}/jobs/batch`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) }, body: JSON.stringify({ jobs })
  })
  return { status: res.statusCode, body: await res.body.json() as { batch_id: string, jobs: Item[] } }
}

/** Every job of the batch, page after page of GET /jobs?batch_id=. */
async function listAll (stack: Stack, batchId: string): Promise<Array<{ request_id: string, status: string, batch_id: string }>> {
  const jobs: Array<{ request_id: string, status: string, batch_id: string }> = []
  for (let cursor: string | undefined; ;) {
    const res = await request(`${stack.base}/jobs?batch_id=${batchId}&limit=100${cursor === undefined ? '' : `&cursor=${cursor}`}`)
    const page = await res.body.json() as { jobs: typeof jobs, next_cursor?: string }
    jobs.push(...page.jobs)
    if (page.next_cursor === undefined) return jobs
    cursor = page.next_cursor
  }
}

/** Waits on the batch until it is done, a long poll at a time. */
async function done (stack: Stack, batchId: string): Promise<{ total: number, counts: Record<string, number>, done: boolean }> {
  for (let i = 0; i < 10; i++) {
    const state = await (await request(`${stack.base}/batches/${batchId}?wait=30`)).body.json() as { total: number, counts: Record<string, number>, done: boolean }
    if (state.done) return state
  }
  throw new Error('the batch did not end')
}

for (const [mode, skipped] of [['redis', skip], ['redis cluster', skipCluster]] as const) {
  test(`${mode}: a batch of 1,000 jobs is queued at once, each job once, listed by its batch and waited on as one`, { skip: skipped }, async (t) => {
    const stack = await startStack(t, { cluster: mode === 'redis cluster' })
    await stack.startWorker()
    const started = Date.now()
    const { status, body } = await postBatch(stack, Array.from({ length: 1000 }, (_, i) => ({ vendor: 'syncVendor', userId: i })))
    t.equal(status, 202)
    t.comment(`POST /jobs/batch of 1,000 answered in ${Date.now() - started} ms`)
    const ids = body.jobs.map((item) => 'request_id' in item ? item.request_id : '')
    t.equal(new Set(ids.filter((id) => id !== '')).size, 1000, 'a request_id for each, all different')
    const state = await done(stack, body.batch_id)
    t.same([state.total, state.counts.complete, state.done], [1000, 1000, true])
    const listed = await listAll(stack, body.batch_id)
    t.equal(listed.length, 1000)
    t.same(new Set(listed.map((j) => j.request_id)), new Set(ids), 'the batch lists exactly its jobs')
    t.ok(listed.every((j) => j.batch_id === body.batch_id && j.status === 'complete'))
    const vendor = await stack.vendorStats(stack.syncVendor)
    t.same([vendor.distinctRequests, vendor.maxCallsPerRequest], [1000, 1], 'the vendor received each job once')
  })
}

test('redis: a batch of valid and invalid jobs answers each in order, queues the valid ones, and answers a repeat with its Idempotency-Key the same', { skip }, async (t) => {
  const stack = await startStack(t)
  await stack.startWorker()
  const jobs = [{ vendor: 'syncVendor', a: 1 }, { vendor: 'nobody' }, { vendor: 'asyncVendor', b: 2 }, 42, { userId: 3 }, { vendor: 'syncVendor', c: 3 }]
  const first = await postBatch(stack, jobs, 'mixed-1')
  t.equal(first.status, 202)
  t.match(first.body.jobs, [
    { request_id: String }, { error: { code: 'VFS_ERR_UNKNOWN_VENDOR' } }, { request_id: String }, { error: { code: 'FST_ERR_VALIDATION' } },
    { error: { code: 'FST_ERR_VALIDATION' } }, { request_id: String }
  ])
  const repeat = await postBatch(stack, jobs, 'mixed-1')
  t.equal(repeat.status, 200)
  t.same(repeat.body, first.body, 'the same answer, no second batch')
  t.equal((await postBatch(stack, jobs.slice(0, 2), 'mixed-1')).status, 422, 'the key with another body')
  const state = await done(stack, first.body.batch_id)
  t.same([state.total, state.counts.complete, state.counts.failed], [3, 3, 0])
  const payloads = await Promise.all([0, 2, 5].map(async (i) => {
    const item = first.body.jobs[i] as { request_id: string }
    return (await (await request(`${stack.base}/jobs/${item.request_id}`)).body.json() as { vendor: string }).vendor
  }))
  t.same(payloads, ['syncVendor', 'asyncVendor', 'syncVendor'], 'each id is the job of its place in the batch')
  const vendor = await stack.vendorStats(stack.syncVendor)
  t.equal(vendor.distinctRequests, 2, 'the repeat queued nothing more')
})
