import { randomUUID } from 'node:crypto'
import { test } from 'tap'
import type { Job } from '../../core/job.js'
import type { JobStore, WaitingJobs } from '../../core/store.js'

/** What a store that the reconciler reads must list; the memory and MongoDB store files run it. */
export function waitingContract (name: string, makeStore: () => Promise<JobStore & WaitingJobs>): void {
  const job = (over: Partial<Job>): Job => ({
    id: randomUUID(), vendor: 'v', team: 'default', status: 'pending', payload: {}, attempts: 0, createdAt: 1_000, updatedAt: 1_000, ...over
  })

  test(`${name}: waiting lists one vendor's pending and processing jobs last changed before the bound, the oldest change first`, async (t) => {
    const store = await makeStore()
    const late = job({ updatedAt: 3_000 })
    const early = job({ status: 'processing', attempts: 1, updatedAt: 2_000, waiting: 'callback', deadline: 9_000 })
    const others = [
      job({ updatedAt: 5_000 }),
      job({ status: 'complete', updatedAt: 1_500, result: 1 }),
      job({ status: 'failed', updatedAt: 1_500, error: 'no' }),
      job({ vendor: 'w', updatedAt: 1_500 })
    ]
    for (const j of [late, early, ...others]) await store.create(j)
    t.same(await store.waiting('v', 5_000, 10), [early, late])
    t.same(await store.waiting('v', 5_000, 1), [early], 'at most limit')
    t.same(await store.waiting('nobody', 5_000, 10), [])
  })

  test(`${name}: waiting pages on after a cursor, jobs changed at the same moment in id order, none twice or skipped`, async (t) => {
    const store = await makeStore()
    const jobs = Array.from({ length: 7 }, (_, i) => job({ updatedAt: 1_000 + Math.floor(i / 3) }))
    for (const j of jobs) await store.create(j)
    const seen: string[] = []
    let page = await store.waiting('v', 10_000, 3)
    while (page.length > 0) {
      seen.push(...page.map((j) => j.id))
      const last = page[page.length - 1] as Job
      page = await store.waiting('v', 10_000, 3, { updatedAt: last.updatedAt, id: last.id })
    }
    const expected = [...jobs].sort((a, b) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : 1)).map((j) => j.id)
    t.same(seen, expected)
  })
}
