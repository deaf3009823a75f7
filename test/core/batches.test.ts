import { test } from 'tap'
import { type Batch, batchJobId, batchState, createMemoryBatches, jobIdsOf, listBatch } from '../../core/batches.js'
import { createMemoryStore } from '../../core/backends/memory/store.js'
import type { Job } from '../../core/job.js'

test("a batch's job ids are fixed by the batch and the item, and are UUIDs", async (t) => {
  const batch = '5a9e4b9c-7a55-4a5e-9d44-0e6f6c1b2a3d'
  t.equal(batchJobId(batch, 3), batchJobId(batch, 3))
  t.not(batchJobId(batch, 3), batchJobId(batch, 4))
  t.not(batchJobId(batch, 3), batchJobId('6a9e4b9c-7a55-4a5e-9d44-0e6f6c1b2a3d', 3))
  t.match(batchJobId(batch, 0), /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
})

test("a batch's counts and whether it is done", async (t) => {
  t.same(batchState(['pending', 'complete', 'failed', 'processing', 'complete']), {
    total: 5, counts: { pending: 1, processing: 1, complete: 2, failed: 1 }, done: false
  })
  t.same(batchState(['complete', 'failed']).done, true)
  t.same(batchState([]).done, true, 'a batch of refused items only is done')
})

test("a batch's jobs are listed a page at a time in the listing's order, filtered, none twice", async (t) => {
  const store = createMemoryStore()
  const batch: Batch = { id: 'b', team: 'default', createdAt: 1_000, items: [] }
  for (let i = 0; i < 25; i++) {
    const id = batchJobId('b', i)
    batch.items.push(i % 5 === 4 ? { error: { statusCode: 400, code: 'X', message: 'no' } } : { requestId: id })
    if (i % 5 !== 4) {
      const job: Job = { id, vendor: i % 2 === 0 ? 'syncVendor' : 'asyncVendor', team: 'default', status: 'pending', payload: {}, attempts: 0, createdAt: 1_000, updatedAt: 1_000 }
      await store.create(job)
    }
  }
  const seen: string[] = []
  let after: { id: string, createdAt: number } | undefined
  for (let page = 0; page < 10; page++) {
    const got = await listBatch(store, batch, { vendors: [], limit: 7, ...(after === undefined ? {} : { after }) })
    seen.push(...got.jobs.map((j) => j.id))
    if (got.next === undefined) break
    after = got.next
  }
  t.same(seen, jobIdsOf(batch).sort().reverse(), 'every job once, newest first then by id')
  const sync = await listBatch(store, batch, { vendors: [], limit: 100, vendor: 'syncVendor' })
  t.ok(sync.jobs.length > 0 && sync.jobs.every((j) => j.vendor === 'syncVendor'))
})

test('embedded mode keeps the newest batches while their items number at most its max, however few jobs they stored', async (t) => {
  const store = createMemoryBatches(10)
  const refused = { error: { statusCode: 400, code: 'FST_ERR_VALIDATION', message: 'body must have required property \'vendor\'' } }
  const batch = (id: string, n: number): Batch => ({ id, team: 'default', createdAt: 1, items: Array.from({ length: n }, () => refused) })
  for (const id of ['a', 'b', 'c', 'd']) await store.create(batch(id, 4))
  t.same(await Promise.all(['a', 'b', 'c', 'd'].map(async (id) => (await store.get(id)) !== null)), [false, false, true, true], 'two of four items each: 8 items kept')
  await store.create(batch('big', 25))
  t.same(await Promise.all(['c', 'd', 'big'].map(async (id) => (await store.get(id)) !== null)), [false, false, true], 'the newest is kept whatever its size')
  await store.create(batch('e', 1))
  t.equal(await store.get('big'), null, 'and goes once a newer one needs the room')
  t.ok(await store.get('e'))
})
