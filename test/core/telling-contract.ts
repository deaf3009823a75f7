import { randomUUID } from 'node:crypto'
import { test } from 'tap'
import type { Backend } from '../../core/backend.js'
import { type Batch, batchJobId } from '../../core/batches.js'
import type { Job, JobChange } from '../../core/job.js'
import type { Teardown } from '../redis-server.js'
import { waitFor } from '../helper.js'
import { LIMITS } from './dispatch/queue-contract.js'

const NOTIFY = { url: 'https://hooks.example/vfs', status: 'pending', attempts: 0 } as const

/**
 * What every backend does to tell a client that its job ended, whichever way the job ends (a worker's
 * settlement, a webhook's or the sweeper's transition): the end reaches a long poll that watches the job,
 * from any process, and a job that asked for a completion webhook is in its team's outbox, due at its end.
 * Also the batches and the outbox's leases.
 */
export function tellingContract (name: string, skip: false | string, make: (t: Teardown) => Promise<Backend>): void {
  const setup = async (t: Teardown) => {
    const backend = await make(t)
    const ended: string[] = []
    t.teardown(backend.onEnded((id) => ended.push(id)))
    const submit = async (over: Partial<Job> = {}): Promise<Job> => {
      const now = Date.now()
      const job: Job = { id: randomUUID(), vendor: 'v', team: 'default', status: 'pending', payload: { n: 1 }, attempts: 0, createdAt: now, updatedAt: now, ...over }
      await backend.submit(job)
      return job
    }
    /** Ends a job the way a worker does: taken, claimed, its outcome settled (in the queue's step where it settles jobs). */
    const settle = async (id: string, change: JobChange): Promise<void> => {
      const d = (await backend.queue.take(LIMITS, 100, { reclaim: false })).deliveries.find((delivery) => delivery.jobId === id)
      if (d === undefined) throw new Error('not taken')
      const claim = d.claim ?? await backend.store.claim(id, { entry: d.entry, deliveries: d.deliveries, kind: 'call' })
      if (!claim.ok) throw new Error('not claimed')
      if (backend.queue.claims) {
        await backend.queue.settle(LIMITS, [{ delivery: d, outcome: 'ok', status: change.status ?? 'processing', change }])
      } else {
        await backend.store.settle(id, d.holder, change)
        await backend.queue.settle(LIMITS, [{ delivery: d, outcome: 'ok', status: change.status ?? 'processing' }])
      }
    }
    const leased = async (team = 'default'): Promise<string[]> => (await backend.outbox.lease(team, Date.now(), 100, 60_000)).ids
    return { backend, ended, submit, settle, leased }
  }

  test(`${name}: a job's end reaches the long polls watching it, by a settlement or a transition, and only watched jobs' ends`, { skip }, async (t) => {
    const { backend, ended, submit, settle } = await setup(t)
    const [settled, transitioned, unwatched] = [await submit(), await submit(), await submit()]
    t.same(await backend.store.watch([settled.id, transitioned.id, randomUUID()], Date.now() + 10_000), ['pending', 'pending', undefined])
    // Transitions first: where the queue claims what it hands out, the settlement's take claims every job waiting.
    await backend.store.transition(transitioned.id, 'pending', { status: 'failed', error: 'no' })
    await backend.store.transition(unwatched.id, 'pending', { status: 'failed', error: 'no' })
    await settle(settled.id, { status: 'complete', result: { ok: 1 }, nextAttemptAt: null })
    await waitFor(async () => ended.includes(settled.id) && ended.includes(transitioned.id) ? true : undefined, 5_000, 'both ends told')
    t.equal(ended.filter((id) => id === settled.id).length, 1, 'told once')
    // Memory and MongoDB tell every end (nobody pays for it); Redis only the watched ones.
    if (backend.store.kind === 'redis') t.notOk(ended.includes(unwatched.id), 'an end nobody watched is not published')
    t.same(await backend.store.watch([settled.id, transitioned.id], Date.now() + 10_000), ['complete', 'failed'])
  })

  test(`${name}: a job that asked for a completion webhook is in its team's outbox, due at its end, however it ended`, { skip }, async (t) => {
    const { backend, submit, settle, leased } = await setup(t)
    const [settled, transitioned, silent] = [await submit({ notify: NOTIFY, team: 'growth' }), await submit({ notify: NOTIFY, team: 'growth' }), await submit({ team: 'growth' })]
    t.same(await leased('growth'), [], 'nothing due before the end (an entry written at submission is due later)')
    await backend.store.transition(transitioned.id, 'pending', { status: 'failed', error: 'no' })
    await backend.store.transition(silent.id, 'pending', { status: 'failed', error: 'no' })
    await settle(settled.id, { status: 'complete', result: { ok: 1 }, nextAttemptAt: null })
    const due = await waitFor(async () => {
      const ids = await leased('growth')
      return ids.length >= 2 ? ids : undefined
    }, 5_000, 'both webhooks due')
    t.same(due.sort(), [settled.id, transitioned.id].sort(), 'the two that asked, not the third')
    const job = await backend.store.get(settled.id)
    t.match(job, { status: 'complete', notify: NOTIFY })
    t.ok(job?.endedAt !== undefined && job.endedAt === job.updatedAt, 'the end is dated: the webhook is due from then')
    t.same(await leased('default'), [], "another team's outbox holds none of them")
  })

  test(`${name}: a completion webhook's state is recorded only while it stands as its sender read it, and the job's status and time stay`, { skip }, async (t) => {
    const { backend, submit } = await setup(t)
    const job = await submit({ notify: NOTIFY })
    const ended = await backend.store.transition(job.id, 'pending', { status: 'failed', error: 'no' })
    const tried = { url: NOTIFY.url, status: 'pending' as const, attempts: 1, lastError: 'the receiver answered 500', due: 5_000 }
    t.equal(await backend.store.recordNotify(job.id, NOTIFY, tried), true)
    t.equal(await backend.store.recordNotify(job.id, NOTIFY, { ...NOTIFY, status: 'delivered', attempts: 1 }), false, 'a second sender reading the same state loses')
    t.equal(await backend.store.recordNotify(randomUUID(), NOTIFY, tried), false, 'an unknown job')
    const read = await backend.store.get(job.id)
    t.same(read?.notify, tried)
    t.equal(read?.updatedAt, ended?.updatedAt)
    t.equal(read?.status, 'failed')
  })

  test(`${name}: a replay sends the completion webhook anew at the job's next end`, { skip }, async (t) => {
    const { backend, submit } = await setup(t)
    const job = await submit({ notify: NOTIFY })
    await backend.store.transition(job.id, 'pending', { status: 'failed', error: 'no' })
    await backend.store.recordNotify(job.id, NOTIFY, { url: NOTIFY.url, status: 'delivered', attempts: 1 })
    const replayed = await backend.replay(job.id)
    t.match(replayed, { status: 'pending', notify: NOTIFY })
    t.notOk(replayed !== null && 'endedAt' in replayed, 'not ended any more')
  })

  test(`${name}: the outbox leases a due delivery to one notifier until its lease ends, then again`, { skip }, async (t) => {
    const { backend } = await setup(t)
    const now = Date.now()
    const [a, b, later] = [randomUUID(), randomUUID(), randomUUID()]
    await backend.outbox.schedule('t1', [{ id: a, at: now - 10 }, { id: b, at: now - 5 }, { id: later, at: now + 60_000 }])
    const first = await backend.outbox.lease('t1', now, 1, 200)
    t.same(first, { ids: [a], next: now - 5 }, 'the earliest first, and when the next is due')
    t.same((await backend.outbox.lease('t1', now, 10, 200)).ids, [b])
    t.same((await backend.outbox.lease('t1', now + 100, 10, 200)).ids, [], 'leased ones are not due again before their lease ends')
    t.same((await backend.outbox.lease('t1', now + 250, 10, 200)).ids.sort(), [a, b].sort(), 'then they are: their notifier died')
    await backend.outbox.drop('t1', a)
    await backend.outbox.drop('t1', b)
    t.same(await backend.outbox.lease('t1', now + 1_000, 10, 200), { ids: [], next: now + 60_000 })
  })

  test(`${name}: a batch's jobs are stored and queued with it, and taking a request over stores no second job`, { skip }, async (t) => {
    const { backend } = await setup(t)
    const id = randomUUID()
    const createdAt = Date.now()
    const jobs: Job[] = [0, 1, 2].map((i) => ({
      id: batchJobId(id, i), vendor: 'v', team: 'default', status: 'pending', payload: { i }, attempts: 0, createdAt, updatedAt: createdAt, batchId: id
    }))
    const batch: Batch = { id, team: 'default', createdAt, items: [...jobs.map((j) => ({ requestId: j.id })), { error: { statusCode: 400, code: 'VFS_ERR_UNKNOWN_VENDOR', message: 'no' } }] }
    await backend.submitBatch(batch, jobs)
    t.same(await backend.batches.get(id), batch)
    t.equal(await backend.batches.get(randomUUID()), null)
    t.match(await backend.store.get(jobs[1]?.id as string), { batchId: id, payload: { i: 1 }, status: 'pending' })
    await backend.submitBatch(batch, jobs)
    const taken = (await backend.queue.take(LIMITS, 100, { reclaim: false })).deliveries.map((d) => d.jobId)
    t.same([...new Set(taken)].sort(), jobs.map((j) => j.id).sort(), 'every job queued')
  })

  test(`${name}: a batch's jobs of several vendors and teams are each queued for their vendor, in their team's share`, { skip }, async (t) => {
    const { backend } = await setup(t)
    const id = randomUUID()
    const createdAt = Date.now()
    const jobs: Job[] = Array.from({ length: 8 }, (_, i) => ({
      id: batchJobId(id, i), vendor: i % 2 === 0 ? 'v' : 'w', team: i < 4 ? 'growth' : 'risk', status: 'pending', payload: { i }, attempts: 0, createdAt, updatedAt: createdAt, batchId: id,
      ...(i === 0 ? { trace: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } : {})
    }))
    await backend.submitBatch({ id, team: 'growth', createdAt, items: jobs.map((j) => ({ requestId: j.id })) }, jobs)
    for (const vendor of ['v', 'w']) {
      const taken = (await backend.queue.take({ ...LIMITS, name: vendor }, 100, { reclaim: false })).deliveries
      t.same(taken.map((d) => d.jobId).sort(), jobs.filter((j) => j.vendor === vendor).map((j) => j.id).sort(), `${vendor}'s jobs, and only they`)
      t.same(taken.map((d) => d.team).sort(), ['growth', 'growth', 'risk', 'risk'])
      if (vendor === 'v') t.equal(taken.find((d) => d.jobId === jobs[0]?.id)?.trace, jobs[0]?.trace, 'a trace travels with its entry')
    }
  })
}
