import { randomUUID } from 'node:crypto'
import t, { test } from 'tap'
import type { Delivery } from '../../../../core/dispatch/queue.js'
import type { Job } from '../../../../core/job.js'
import { skipWithoutRedis, type Teardown } from '../../../redis-server.js'
import { LIMITS } from '../../dispatch/queue-contract.js'
import { claimingQueue } from './queues.js'

/** One Redis holding jobs and queues: the take claims each job and the settlement records its change, in one step each. */
const skip = skipWithoutRedis(t)

async function setup (t: Teardown) {
  const { redis, keys, store, queue } = await claimingQueue(t)
  const submit = async (): Promise<Job> => {
    const now = Date.now()
    const job: Job = { id: randomUUID(), vendor: 'v', team: 'default', status: 'pending', payload: { n: 1 }, attempts: 0, createdAt: now, updatedAt: now }
    await store.create(job)
    await queue.enqueue('v', [{ id: job.id, createdAt: now, team: job.team }])
    return job
  }
  const listed = async (id: string): Promise<string[]> => {
    const found: string[] = []
    for (const status of ['pending', 'processing', 'complete', 'failed'] as const) {
      if (await redis.zscore(keys.vendor('v').status(status), id) !== null) found.push(status)
    }
    return found
  }
  return { store, queue, submit, listed }
}

test('a take claims each job it hands out: processing, one attempt, held by the delivery, listed as processing', { skip }, async (t) => {
  const { store, queue, submit, listed } = await setup(t)
  t.equal(queue.claims, true)
  const job = await submit()
  const [d] = (await queue.take(LIMITS, 1, { reclaim: false })).deliveries
  if (d === undefined) return t.fail('nothing taken')
  t.match(d.claim, { ok: true, job: { id: job.id, status: 'processing', attempts: 1, holder: d.holder, payload: { n: 1 } } })
  t.match(await store.get(job.id), { status: 'processing', attempts: 1, holder: d.holder })
  t.same(await listed(job.id), ['processing'])
})

test('a settlement records its change on the job while its delivery holds it, and lists it where it ended', { skip }, async (t) => {
  const { store, queue, submit, listed } = await setup(t)
  const job = await submit()
  const [d] = (await queue.take(LIMITS, 1, { reclaim: false })).deliveries
  if (d === undefined) return t.fail('nothing taken')
  const applied = await queue.settle(LIMITS, [{ delivery: d, outcome: 'ok', status: 'complete', change: { status: 'complete', result: { r: 1 }, nextAttemptAt: null } }])
  t.same(applied, [true])
  const done = await store.get(job.id)
  t.match(done, { status: 'complete', result: { r: 1 }, attempts: 1 })
  t.notOk(done !== null && 'holder' in done, 'released')
  t.same(await listed(job.id), ['complete'])
})

test('a stale delivery\'s settlement changes nothing on the job, and leaves what comes next to the holder', { skip }, async (t) => {
  const { store, queue, submit, listed } = await setup(t)
  const job = await submit()
  const [d] = (await queue.take(LIMITS, 1, { reclaim: false })).deliveries
  if (d === undefined) return t.fail('nothing taken')
  // Another delivery of the same entry took the job over (its lease expired), as the store would record it.
  const takeover: Delivery = { ...d, deliveries: 2, holder: `${d.entry}#2` }
  t.match(await store.claim(job.id, { entry: d.entry, deliveries: 2, kind: 'call' }), { ok: true })
  const applied = await queue.settle(LIMITS, [{
    delivery: d, outcome: 'fail', status: 'processing', next: { at: Date.now(), kind: 'call' }, change: { lastError: 'stale', nextAttemptAt: 1 }
  }])
  t.same(applied, [false])
  t.match(await store.get(job.id), { status: 'processing', attempts: 2, holder: takeover.holder })
  t.notOk((await store.get(job.id))?.lastError, 'the stale change was not recorded')
  t.same((await queue.take(LIMITS, 10, { reclaim: false })).deliveries, [], 'and no retry was queued by it')
  t.same(await listed(job.id), ['processing'])
})

test('a job that already ended is handed out refused, without a call', { skip }, async (t) => {
  const { store, queue, submit } = await setup(t)
  const job = await submit()
  await store.transition(job.id, 'pending', { status: 'failed', error: 'gone' })
  const [d] = (await queue.take(LIMITS, 1, { reclaim: false })).deliveries
  t.same(d?.claim, { ok: false, reason: 'done' })
})
