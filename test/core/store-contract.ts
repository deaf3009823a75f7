import { randomUUID } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { test } from 'tap'
import type { Job } from '../../core/job.js'
import type { JobStore } from '../../core/store.js'

/** What every job store must do; each backend's test file runs this against its own store. */
export function storeContract (name: string, makeStore: () => Promise<JobStore>): void {
  const newJob = (over: Partial<Job> = {}): Job => ({
    id: randomUUID(), vendor: 'syncVendor', team: 'default', status: 'pending', payload: { userId: 1, nested: { a: [1, 2] } },
    attempts: 0, createdAt: 1_000, updatedAt: 1_000, ...over
  })

  test(`${name}: a created job reads back as it was stored`, async (t) => {
    const store = await makeStore()
    const job = newJob()
    await store.create(job)
    t.same(await store.get(job.id), job)
    t.equal(await store.get(randomUUID()), null, 'an unknown id reads as null')
  })

  test(`${name}: a job's trace context is kept from its creation through its changes`, async (t) => {
    const store = await makeStore()
    const job = newJob({ trace: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })
    await store.create(job)
    t.same(await store.get(job.id), job)
    await store.transition(job.id, 'pending', { status: 'processing', attempts: 1 })
    t.equal((await store.get(job.id))?.trace, job.trace)
  })

  test(`${name}: a paged job's progress is kept between its calls and removed once it ends`, async (t) => {
    const store = await makeStore()
    const job = newJob()
    await store.create(job)
    await store.claim(job.id, { entry: '1-0', deliveries: 1, kind: 'call' })
    const pages = { items: [{ id: 'c1', tags: ['a'] }, { id: 'c2', n: null }], pages: 1, next: { query: { starting_after: ['c2'] } }, attempts: 1 }
    t.equal(await store.settle(job.id, '1-0#1', { pages, nextAttemptAt: 2_000 }), true)
    t.same((await store.get(job.id))?.pages, pages)
    await store.claim(job.id, { entry: '1-0', deliveries: 2, kind: 'call' })
    t.equal(await store.settle(job.id, '1-0#2', { status: 'complete', result: { items: pages.items, pages: 2 }, pages: null }), true)
    t.notOk('pages' in (await store.get(job.id) ?? {}), 'gone with the job\'s end')
  })

  test(`${name}: a job's batch and completion webhook are kept, and the webhook's state changes only from the state its sender read`, async (t) => {
    const store = await makeStore()
    const notify = { url: 'https://hooks.example/vfs', status: 'pending' as const, attempts: 0 }
    const job = newJob({ batchId: randomUUID(), notify })
    await store.create(job)
    t.same(await store.get(job.id), job)
    const ended = await store.transition(job.id, 'pending', { status: 'failed', error: 'no' })
    t.equal(ended?.endedAt, ended?.updatedAt, 'an end is dated')
    const tried = { ...notify, attempts: 1, lastError: 'the receiver answered 500', due: 9_000 }
    t.equal(await store.recordNotify(job.id, notify, tried), true)
    t.equal(await store.recordNotify(job.id, notify, { ...notify, status: 'delivered', attempts: 1 }), false, 'from a state it no longer has')
    t.same(await store.get(job.id), { ...ended, notify: tried }, 'nothing else moved, updatedAt included')
    t.same(await store.watch([job.id, randomUUID()], 0), ['failed', undefined])
  })

  test(`${name}: a job id cannot be created twice`, async (t) => {
    const store = await makeStore()
    const job = newJob()
    await store.create(job)
    await t.rejects(store.create({ ...job, vendor: 'other' }))
    t.equal((await store.get(job.id))?.vendor, 'syncVendor')
  })

  test(`${name}: a transition applies only from the state it names`, async (t) => {
    const store = await makeStore()
    const job = newJob()
    await store.create(job)
    t.equal(await store.transition(job.id, 'processing', { status: 'complete' }), null, 'wrong source state')
    const claimed = await store.transition(job.id, 'pending', { status: 'processing', attempts: 1, holder: 'e#1' })
    t.match(claimed, { status: 'processing', attempts: 1 })
    t.ok((claimed?.updatedAt ?? 0) > job.updatedAt, 'the update time moves')
    const done = await store.transition(job.id, 'processing', { status: 'complete', result: { ok: true }, deadline: null, holder: null })
    t.notOk(done !== null && 'holder' in done, 'a field set to null is gone')
    t.match(done, { status: 'complete', result: { ok: true } })
    t.same(await store.get(job.id), done)
    t.equal(await store.transition(randomUUID(), 'pending', { status: 'processing' }), null, 'unknown job')
  })

  test(`${name}: of two racing transitions from the same state exactly one wins`, async (t) => {
    const store = await makeStore()
    const job = newJob({ status: 'processing', attempts: 1 })
    await store.create(job)
    const outcomes = await Promise.all([
      store.transition(job.id, 'processing', { status: 'complete', result: { by: 'webhook' } }),
      store.transition(job.id, 'processing', { status: 'failed', error: 'callback timed out' }),
      store.transition(job.id, 'processing', { status: 'complete', result: { by: 'duplicate' } })
    ])
    t.equal(outcomes.filter((o) => o !== null).length, 1)
    const winner = outcomes.find((o) => o !== null)
    t.same(await store.get(job.id), winner)
  })

  test(`${name}: fields set to null are removed and others kept`, async (t) => {
    const store = await makeStore()
    const job = newJob({ status: 'processing', attempts: 2, error: 'first try failed', deadline: 5_000 })
    await store.create(job)
    const done = await store.transition(job.id, 'processing', { status: 'complete', result: [1, 'two'], error: null, deadline: null })
    const { error: _error, deadline: _deadline, ...kept } = job
    // An end records its time, the job's last change.
    t.same(done, { ...kept, status: 'complete', result: [1, 'two'], updatedAt: done?.updatedAt, endedAt: done?.updatedAt })
    t.notOk('error' in (done ?? {}))
    t.notOk('deadline' in (done ?? {}))
  })

  test(`${name}: an illegal transition is refused and changes nothing`, async (t) => {
    const store = await makeStore()
    const job = newJob({ status: 'complete', result: { a: 1 } })
    await store.create(job)
    await t.rejects(store.transition(job.id, 'complete', { status: 'failed', error: 'late' }))
    t.same(await store.get(job.id), job)
  })

  test(`${name}: a claim takes the job for one delivery, and only that delivery settles it`, async (t) => {
    const store = await makeStore()
    const job = newJob()
    await store.create(job)
    t.same(await store.claim(randomUUID(), { entry: '1-0', deliveries: 1, kind: 'call' }), { ok: false, reason: 'missing' })
    const claim = await store.claim(job.id, { entry: '1-0', deliveries: 1, kind: 'call' })
    t.match(claim, { ok: true, job: { id: job.id, status: 'processing', attempts: 1, holder: '1-0#1', payload: job.payload } })
    t.same(await store.claim(job.id, { entry: '2-0', deliveries: 1, kind: 'call' }), { ok: false, reason: 'held' }, 'another entry for the same job')
    t.equal(await store.settle(job.id, '2-0#1', { status: 'complete', result: { by: 'stale' } }), false, 'a delivery that does not hold it')
    t.equal(await store.settle(job.id, '1-0#1', { lastError: 'timed out', nextAttemptAt: 5_000 }), true, 'a retry: still processing')
    const retrying = await store.get(job.id)
    t.match(retrying, { status: 'processing', attempts: 1, lastError: 'timed out', nextAttemptAt: 5_000 })
    t.notOk(retrying !== null && 'holder' in retrying, 'released')
    const again = await store.claim(job.id, { entry: '3-0', deliveries: 1, kind: 'call' })
    t.match(again, { ok: true, job: { attempts: 2, holder: '3-0#1', lastError: 'timed out' } })
    t.notOk(again.ok && 'nextAttemptAt' in again.job, 'the retry is no longer ahead')
    t.equal(await store.settle(job.id, '3-0#1', { status: 'complete', result: { n: 2 } }), true)
    t.same(await store.claim(job.id, { entry: '4-0', deliveries: 1, kind: 'call' }), { ok: false, reason: 'done' })
    t.match(await store.get(job.id), { status: 'complete', result: { n: 2 }, attempts: 2 })
  })

  test(`${name}: a later delivery of the same entry takes over a job whose holder's lease expired`, async (t) => {
    const store = await makeStore()
    const job = newJob()
    await store.create(job)
    await store.claim(job.id, { entry: '1-0', deliveries: 1, kind: 'call' })
    t.match(await store.claim(job.id, { entry: '1-0', deliveries: 2, kind: 'call' }), { ok: true, job: { holder: '1-0#2', attempts: 2 } })
    t.same(await store.claim(job.id, { entry: '1-0', deliveries: 1, kind: 'call' }), { ok: false, reason: 'held' }, 'the stale one cannot take it back')
    t.equal(await store.settle(job.id, '1-0#1', { status: 'complete' }), false, 'nor finish it')
  })

  test(`${name}: of many deliveries claiming one job at once exactly one wins`, async (t) => {
    const store = await makeStore()
    const job = newJob()
    await store.create(job)
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => store.claim(job.id, { entry: `${i}-0`, deliveries: 1, kind: 'call' })))
    t.equal(claims.filter((c) => c.ok).length, 1)
    t.equal((await store.get(job.id))?.attempts, 1)
  })

  test(`${name}: a returned job is a copy that cannot change the stored one`, async (t) => {
    const store = await makeStore()
    const job = newJob()
    await store.create(job)
    const read = await store.get(job.id)
    if (read === null) return t.fail('job missing')
    ;(read.payload.nested as { a: number[] }).a.push(3)
    t.same((await store.get(job.id))?.payload, { userId: 1, nested: { a: [1, 2] } })
  })
}

/** A store shared by processes: two stores over separate connections race on each of many jobs. */
export function racingClientsContract (name: string, skip: false | string, makePair: (t: { teardown (fn: () => unknown): void }) => Promise<[JobStore, JobStore]>): void {
  test(`${name}: of two transitions racing from two separate clients exactly one wins, for every job`, { skip }, async (t) => {
    const [webhook, sweeper] = await makePair(t)
    const jobs = Array.from({ length: 50 }, (): Job => ({
      id: randomUUID(), vendor: 'syncVendor', team: 'default', status: 'processing', payload: {}, attempts: 1, createdAt: Date.now(), updatedAt: Date.now()
    }))
    await Promise.all(jobs.map((job) => webhook.create(job)))
    const problems: string[] = []
    for (const job of jobs) {
      const outcomes = await Promise.all([
        webhook.transition(job.id, 'processing', { status: 'complete', result: { by: 'webhook' } }),
        sweeper.transition(job.id, 'processing', { status: 'failed', error: 'callback timed out' })
      ])
      const winners = outcomes.filter((o) => o !== null)
      if (winners.length !== 1) problems.push(`${job.id}: ${winners.length} winners`)
      else if (!isDeepStrictEqual(await sweeper.get(job.id), winners[0])) problems.push(`${job.id}: the stored job is not the winner's`)
    }
    t.same(problems, [])
  })
}
