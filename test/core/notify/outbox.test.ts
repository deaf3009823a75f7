import { test } from 'tap'
import type { Job } from '../../../core/job.js'
import { createMemoryOutbox, intendNotify, recheckAt } from '../../../core/notify/outbox.js'

const job = (id: string, team: string, notify: boolean, createdAt: number): Job => ({
  id, vendor: 'syncVendor', team, status: 'pending', payload: {}, attempts: 0, createdAt, updatedAt: createdAt,
  ...(notify ? { notify: { url: 'https://hooks.example/', status: 'pending' as const, attempts: 0 } } : {})
})

test('a job that has not ended is looked at again after 10 s, up to every 5 minutes as it ages', async (t) => {
  t.equal(recheckAt(1_000_000, 1_000_000), 1_010_000, 'a new job: 10 s')
  t.equal(recheckAt(1_000_000, 1_000_000 - 60_000), 1_060_000, 'a job a minute old: a minute')
  t.equal(recheckAt(10_000_000, 0), 10_300_000, 'a job hours old: 5 minutes')
})

test('only the jobs that ask for a webhook get an entry, each in its own team\'s outbox, due at their recheck', async (t) => {
  const outbox = createMemoryOutbox()
  const now = Date.now()
  await intendNotify(outbox, [job('a1', 'a', true, now), job('a2', 'a', false, now), job('b1', 'b', true, now - 60_000)])
  const after = Date.now()
  const early = await outbox.lease('a', now + 9_000, 10, 1000)
  t.same(early.ids, [], 'none is due before its recheck')
  t.ok(early.next !== undefined && early.next >= recheckAt(now, now) && early.next <= recheckAt(after, now), `due at its recheck: ${early.next}`)
  t.same((await outbox.lease('a', now + 400_000, 10, 1000)).ids, ['a1'])
  t.same((await outbox.lease('b', now + 400_000, 10, 1000)).ids, ['b1'])
})

test('without an outbox (the job and its entry are written as one) intending writes nothing and does not fail', async (t) => {
  await t.resolves(intendNotify(undefined, [job('a1', 'a', true, Date.now())]))
})
