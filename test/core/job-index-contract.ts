import { randomUUID } from 'node:crypto'
import { test } from 'tap'
import type { Backend } from '../../core/backend.js'
import type { Job, JobStatus } from '../../core/job.js'
import { type JobQuery, newerFirst } from '../../core/listing.js'
import type { Teardown } from '../redis-server.js'

const VENDORS = ['syncVendor', 'asyncVendor']
const T0 = 1_800_000_000_000

/**
 * What every backend's job listing must do, whatever keeps its index (a scan in memory, the queue's
 * status indexes in Redis, MongoDB's indexes in full mode). Jobs get their statuses the way the service
 * gives them: submitted, then moved by the store with the queue's index following.
 */
export function indexContract (name: string, skip: false | string, make: (t: Teardown) => Promise<Backend>): void {
  const setup = async (t: Teardown) => {
    const backend = await make(t)
    const submitted: Job[] = []
    const submit = async (vendor: string, createdAt: number, status: JobStatus = 'pending'): Promise<Job> => {
      const job: Job = { id: randomUUID(), vendor, team: 'default', status: 'pending', payload: { n: submitted.length }, attempts: 0, createdAt, updatedAt: createdAt }
      await backend.submit(job)
      if (status !== 'pending') await backend.store.transition(job.id, 'pending', { status: 'processing', attempts: 1 })
      if (status === 'complete' || status === 'failed') {
        await backend.store.transition(job.id, 'processing', status === 'failed' ? { status, error: 'no' } : { status, result: { ok: 1 } })
      }
      if (status !== 'pending') await backend.queue.reindex(vendor, [{ id: job.id, status, createdAt }])
      const stored = await backend.store.get(job.id)
      if (stored === null) throw new Error('job not stored')
      submitted.push(stored)
      return stored
    }
    const list = (q: Partial<JobQuery> = {}) => backend.index.list({ vendors: VENDORS, limit: 100, ...q })
    const ids = (jobs: Job[]) => jobs.map((j) => j.id)
    return { backend, submitted, submit, list, ids }
  }

  test(`${name}: jobs are listed newest first, ties by id, each once across pages that follow the cursor`, { skip }, async (t) => {
    const { submitted, submit, list, ids } = await setup(t)
    for (let i = 0; i < 7; i++) await submit(VENDORS[i % 2] as string, T0 + Math.floor(i / 3), (['pending', 'failed', 'complete'] as const)[i % 3])
    const expected = ids([...submitted].sort(newerFirst))
    const all = await list()
    t.same(ids(all.jobs), expected)
    t.equal(all.next, undefined, 'one page held them all')
    const paged: string[] = []
    let after = undefined as JobQuery['after']
    for (let pages = 0; pages < 10; pages++) {
      const page = await list({ limit: 2, ...(after === undefined ? {} : { after }) })
      paged.push(...ids(page.jobs))
      if (page.next === undefined) break
      after = page.next
    }
    t.same(paged, expected, 'pages of two give the same order')
    t.match(all.jobs[0], { payload: submitted.find((j) => j.id === expected[0])?.payload }, 'whole jobs')
  })

  test(`${name}: status, vendor and created_after filter the listing`, { skip }, async (t) => {
    const { submit, list, ids } = await setup(t)
    const a = await submit('syncVendor', T0, 'failed')
    const b = await submit('asyncVendor', T0 + 1, 'failed')
    const c = await submit('syncVendor', T0 + 2, 'complete')
    const d = await submit('syncVendor', T0 + 3)
    t.same(ids((await list({ status: 'failed' })).jobs), [b.id, a.id])
    t.same(ids((await list({ vendor: 'syncVendor' })).jobs), [d.id, c.id, a.id])
    t.same(ids((await list({ vendor: 'syncVendor', status: 'failed' })).jobs), [a.id])
    t.same(ids((await list({ createdAfter: T0 + 1 })).jobs), [d.id, c.id], 'strictly after')
    t.same(ids((await list({ status: 'processing' })).jobs), [])
    const page = await list({ status: 'failed', limit: 1 })
    t.same(ids(page.jobs), [b.id])
    t.same(ids((await list({ status: 'failed', limit: 1, ...(page.next === undefined ? {} : { after: page.next }) })).jobs), [a.id])
  })

  test(`${name}: a replayed job leaves the failed listing`, { skip }, async (t) => {
    const { backend, submit, list, ids } = await setup(t)
    const failed = await submit('syncVendor', T0, 'failed')
    await backend.replay(failed.id)
    t.same(ids((await list({ status: 'failed' })).jobs), [])
    t.same(ids((await list({ status: 'pending' })).jobs), [failed.id])
  })
}
