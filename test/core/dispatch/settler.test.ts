import { randomUUID } from 'node:crypto'
import { pino } from 'pino'
import t, { test } from 'tap'
import { type Delivery, type DispatchQueue, type Settlement, SettlementRefusedError } from '../../../core/dispatch/queue.js'
import { createSettler } from '../../../core/dispatch/settler.js'
import { skipWithoutRedis, type Teardown } from '../../redis-server.js'
import { claimingQueue } from '../backends/redis/queues.js'
import { LIMITS } from './queue-contract.js'

/** Settlements that Redis refuses, on a Redis that holds jobs and queues, so that settle.lua records each job's change. */
const skip = skipWithoutRedis(t)

async function setup (t: Teardown) {
  const { redis, keys, store, queue } = await claimingQueue(t)
  const taken = async (n: number): Promise<Delivery[]> => {
    const now = Date.now()
    for (let i = 0; i < n; i++) {
      const id = randomUUID()
      await store.create({ id, vendor: 'v', team: 'default', status: 'pending', payload: { i }, attempts: 0, createdAt: now, updatedAt: now })
      await queue.enqueue('v', [{ id, createdAt: now, team: 'default' }])
    }
    return (await queue.take(LIMITS, n, { reclaim: false })).deliveries
  }
  return { redis, keys, store, queue, taken }
}

const complete = (d: Delivery, n: number): Settlement => ({ delivery: d, outcome: 'ok', status: 'complete', change: { status: 'complete', result: { n }, nextAttemptAt: null } })
/** Half an emoji, as a cut by UTF-16 units leaves it: JSON.stringify writes `\ud83d`, which cjson refuses. */
const poisoned = (d: Delivery): Settlement => ({ delivery: d, outcome: 'ok', status: 'failed', change: { status: 'failed', error: 'cut \ud83d' } })

test('a batch holding one settlement Redis refuses is refused whole, with nothing of it applied', { skip }, async (t) => {
  const { store, queue, taken } = await setup(t)
  const [a, b, c] = await taken(3)
  if (a === undefined || b === undefined || c === undefined) return t.fail('not taken')
  await t.rejects(queue.settle(LIMITS, [complete(a, 1), poisoned(b), complete(c, 3)]), SettlementRefusedError)
  for (const d of [a, c]) t.match(await store.get(d.jobId), { status: 'processing', holder: d.holder }, 'still held, as before the batch')
})

test('the settler splits a refused batch: the good deliveries settle once, and only the refused one fails its job, saying why', { skip }, async (t) => {
  const { store, queue, taken } = await setup(t)
  const deliveries = await taken(5)
  const settler = createSettler(queue, pino({ level: 'silent' }), 30_000)
  const settlements = deliveries.map((d, i) => i === 2 ? poisoned(d) : complete(d, i))
  const applied = await Promise.all(settlements.map((s) => settler.add(LIMITS, s).applied))
  t.same(applied, [true, true, false, true, true])
  for (const [i, d] of deliveries.entries()) {
    const job = await store.get(d.jobId)
    if (i === 2) t.match(job, { status: 'failed', error: /^the outcome of the call to v could not be recorded: .+/ })
    else t.match(job, { status: 'complete', result: { n: i } })
    t.equal(job?.holder, undefined)
  }
  t.same((await queue.take(LIMITS, 10, { reclaim: true })).deliveries, [], 'every entry acknowledged, the refused one too')
})

test('a delivery settled a second time, as a split batch sends it again, changes nothing', { skip }, async (t) => {
  const { redis, keys, store, queue, taken } = await setup(t)
  const [d] = await taken(1)
  if (d === undefined) return t.fail('not taken')
  const retry: Settlement = { delivery: d, outcome: 'fail', status: 'processing', next: { at: Date.now() + 60_000, kind: 'call' }, change: { lastError: 'e', nextAttemptAt: Date.now() + 60_000 } }
  t.same(await queue.settle(LIMITS, [retry]), [true])
  const job = await store.get(d.jobId)
  const delayed = await redis.zrange(keys.vendor('v').delayed, 0, -1)
  t.same(await queue.settle(LIMITS, [{ ...retry, change: { status: 'failed', error: 'late' } }]), [false], 'fenced: the job no longer names it')
  t.same(await store.get(d.jobId), job, 'the job as the first settlement left it')
  t.same(await redis.zrange(keys.vendor('v').delayed, 0, -1), delayed, 'no second retry queued')
})

test('a settlement is sent again while the queue cannot be reached, for as long as its lease, then given up', async (t) => {
  const d = { jobId: 'j', vendor: 'v', holder: '1-0#1' } as Delivery
  let failing = 3_000
  const started = Date.now()
  const queue = {
    async settle (_limits: unknown, batch: Settlement[]) {
      if (Date.now() - started < failing) throw new Error('connect ECONNREFUSED')
      return batch.map(() => true)
    }
  } as unknown as DispatchQueue
  const applied = await createSettler(queue, pino({ level: 'silent' }), 10_000).add(LIMITS, complete(d, 1)).applied
  t.equal(applied, true, 'applied once the queue came back, 3 s later')
  failing = Number.POSITIVE_INFINITY
  const at = Date.now()
  t.equal(await createSettler(queue, pino({ level: 'silent' }), 1_500).add(LIMITS, complete(d, 1)).applied, false, 'given up')
  t.ok(Date.now() - at <= 1_500, 'within its lease')
})
