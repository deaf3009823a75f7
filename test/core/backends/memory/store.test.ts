import { randomUUID } from 'node:crypto'
import { test } from 'tap'
import { createMemoryStore } from '../../../../core/backends/memory/store.js'
import type { Job } from '../../../../core/job.js'
import { storeContract } from '../../store-contract.js'
import { waitingContract } from '../../waiting-contract.js'

storeContract('memory store', async () => createMemoryStore())

const newJob = (over: Partial<Job> = {}): Job => ({
  id: randomUUID(), vendor: 'syncVendor', team: 'default', status: 'pending', payload: {}, attempts: 0, createdAt: 1_000, updatedAt: 1_000, ...over
})

test('past its bound the store evicts the job that ended longest ago, whatever its age', async (t) => {
  const evicted: string[] = []
  const store = createMemoryStore({ maxJobs: 3, onEvict: (job) => evicted.push(job.id) })
  const [a, b, c] = [newJob(), newJob(), newJob()]
  for (const job of [a, b, c]) await store.create(job)
  await store.transition(b.id, 'pending', { status: 'failed', error: 'no' })
  await store.transition(a.id, 'pending', { status: 'failed', error: 'no' })
  const d = newJob()
  await store.create(d)
  t.same(evicted, [b.id], 'b ended first, though a is older')
  t.equal(await store.get(b.id), null)
  t.ok(await store.get(a.id), 'a is kept')
  await store.create(newJob())
  t.same(evicted, [b.id, a.id])
})

test('a full store whose jobs are all unfinished refuses a new job and keeps every one it has', async (t) => {
  const store = createMemoryStore({ maxJobs: 2 })
  const kept = [newJob(), newJob({ status: 'processing', attempts: 1 })]
  for (const job of kept) await store.create(job)
  await t.rejects(store.create(newJob()), { name: 'StoreFullError', message: /at most 2 jobs/ })
  for (const job of kept) t.ok(await store.get(job.id))
})

test('a replayed job is no longer evictable, and becomes so again once it ends', async (t) => {
  const store = createMemoryStore({ maxJobs: 2 })
  const failed = newJob({ status: 'failed', error: 'no' })
  await store.create(failed)
  await store.create(newJob())
  await store.transition(failed.id, 'failed', { status: 'pending', error: null })
  await t.rejects(store.create(newJob()), { name: 'StoreFullError' })
  await store.transition(failed.id, 'pending', { status: 'processing' })
  await store.transition(failed.id, 'processing', { status: 'complete', result: 1 })
  await store.create(newJob())
  t.equal(await store.get(failed.id), null)
})

waitingContract('memory store', async () => createMemoryStore())
