import { randomUUID } from 'node:crypto'
import { test } from 'tap'
import { createMemoryBackend } from '../../../../core/backends/memory/index.js'
import { createMemoryQueue } from '../../../../core/backends/memory/queue.js'
import { createVendorState, forgetRefs, jobOfRef, keepRef } from '../../../../core/backends/memory/vendor-state.js'
import { budgetContract } from '../../dispatch/budget-contract.js'
import { LIMITS, type MakeQueues, queueContract } from '../../dispatch/queue-contract.js'
import { indexContract } from '../../job-index-contract.js'

const memoryQueues: MakeQueues = async (_t, { leaseMs = 30_000, marginMs = 0, clock, weightOf }) => {
  const queue = createMemoryQueue({ leaseMs, marginMs, ...(weightOf === undefined ? {} : { weightOf }) }, clock === undefined ? Date.now : () => clock.now)
  return [queue, queue]
}
queueContract('memory', false, memoryQueues)
budgetContract('memory', false, memoryQueues)

indexContract('memory', false, async () => createMemoryBackend({ leaseMs: 30_000, marginMs: 0 }, { maxJobs: 1000 }))

test('embedded mode forgets a vendor\'s id for a job when the store evicts the job', async (t) => {
  const backend = createMemoryBackend({ leaseMs: 30_000, marginMs: 0 }, { maxJobs: 2 })
  const { store, queue } = backend
  const accepted = async (vendorRef: string): Promise<string> => {
    const now = Date.now()
    const id = randomUUID()
    await backend.submit({ id, vendor: 'v', team: 'default', status: 'pending', payload: {}, attempts: 0, createdAt: now, updatedAt: now })
    const [d] = (await queue.take(LIMITS, 1, { reclaim: false })).deliveries
    if (d === undefined) throw new Error('nothing taken')
    await queue.settle(LIMITS, [{ delivery: d, outcome: 'ok', status: 'processing', ref: { vendorRef, until: now + 86_400_000 } }])
    await store.transition(id, 'pending', { status: 'failed', error: 'no callback' })
    return id
  }
  const first = await accepted('their-1')
  t.equal(await queue.jobOfRef('v', 'their-1'), first)
  await accepted('their-2')
  await accepted('their-3')
  t.equal(await store.get(first), null, 'the first job was evicted')
  t.equal(await queue.jobOfRef('v', 'their-1'), undefined, 'and its id went with it')
  t.ok(await queue.jobOfRef('v', 'their-3'))
})

test('a vendor\'s id is kept until its time, and the ids that expired are dropped as new ones come', async (t) => {
  const state = createVendorState()
  const now = 1_000_000
  for (let i = 0; i < 1000; i++) keepRef(state, `old-${i}`, `job-${i}`, now + 10, now)
  t.equal(jobOfRef(state, 'old-1', now), 'job-1')
  t.equal(jobOfRef(state, 'old-1', now + 10), undefined, 'expired')
  keepRef(state, 'new', 'job-new', now + 1_000, now + 20)
  t.same([state.refs.size, state.refsOfJob.size], [1, 1], 'the expired ones were dropped')
  keepRef(state, 'again', 'job-new', now + 1_000, now + 20)
  forgetRefs(state, 'job-new')
  t.same([state.refs.size, state.refsOfJob.size], [0, 0], 'a job takes all its ids along')
})
