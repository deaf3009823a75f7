import t, { test } from 'tap'
import { request } from 'undici'
import { examplePoll, getJob } from '../dialects.js'
import { waitFor } from '../helper.js'
import { redisClient, skipWithoutRedis } from '../redis-server.js'
import { allEnded, postMany, startStack } from './stack.js'

const skip = skipWithoutRedis(t)

test('a worker SIGKILLed while its jobs are being polled: another worker continues the polling and every job completes, submitted once', { skip }, async (t) => {
  const JOBS = 10
  const stack = await startStack(t, {
    dialects: { pollVendor: { poll: examplePoll({ intervalMs: 200 }) } },
    env: { LEASE_MS: '1000' },
    // Each poll stays on the wire a while, so that the kill catches some: their leases must run out first.
    mockEnv: { POLL_VENDOR_READY_AFTER_MS: '3000', MOCK_LATENCY_MS: '150' }
  })
  const redis = redisClient(t, stack.redis.url)
  const doomed = await stack.startWorker()
  const ids = await postMany(stack, JOBS, (i) => ({ vendor: 'pollVendor', n: i }))
  const vendor = stack.dialects.pollVendor
  // Submitted, then polled a few times each, by the doomed worker alone.
  await waitFor(async () => (await stack.vendorStats(vendor)).received >= JOBS * 3 || undefined, 10_000, 'polls')
  // Between its polls (not while one is on the wire) a job shows when the next one is due.
  const waiting = await Promise.all(ids.map((id) => waitFor(async () => {
    const { job } = await getJob(stack.base, id)
    return job.next_attempt_at === undefined ? undefined : job
  }, 2_000, `${id} to show its next poll`)))
  t.ok(waiting.every((job) => job.status === 'processing'), 'jobs waiting on polls are processing, each showing its next poll')
  await waitFor(async () => (await stack.vendorStats(vendor)).open > 0 || undefined, 5_000, 'a poll on the wire')
  t.equal(await doomed.stop('SIGKILL'), null, 'SIGKILL while a poll is on the wire')
  const before = (await stack.vendorStats(vendor)).received
  await stack.startWorker()

  const statuses = await allEnded(stack, redis, ids, 20_000, ['pollVendor'])
  t.same(statuses, ids.map(() => 'complete'))
  t.ok((await stack.vendorStats(vendor)).received > before, 'the new worker polled')
  const submitted = await Promise.all(ids.map(async (id) => (await request(`${vendor}/admin/stats?request_id=${id}`).then((res) => res.body.json()) as { calls: number }).calls))
  t.same(submitted, ids.map(() => 1), 'each job was submitted to the vendor once: the polling went on, not the job')
})
