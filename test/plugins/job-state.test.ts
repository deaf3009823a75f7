import { test } from 'tap'
import { applyChange, canTransition, IllegalTransitionError, isTerminal, type Job } from '../../plugins/store/job-state.js'

const job: Job = { id: 'a', vendor: 'v', status: 'pending', payload: {}, attempts: 0, createdAt: 1, updatedAt: 1 }

test('a job moves forward from pending through processing to complete or failed', async (t) => {
  t.ok(canTransition('pending', 'processing'))
  t.ok(canTransition('processing', 'complete'))
  t.ok(canTransition('processing', 'failed'))
  t.ok(canTransition('processing', 'pending'), 'a retryable failure waits for its next attempt')
  t.ok(canTransition('failed', 'pending'), 'a failed job can be replayed')
})

test('a complete job never changes again and a pending job cannot complete without a call', async (t) => {
  for (const to of ['pending', 'processing', 'complete', 'failed'] as const) t.notOk(canTransition('complete', to), `complete -> ${to}`)
  t.notOk(canTransition('pending', 'complete'))
  t.notOk(canTransition('failed', 'complete'))
  t.ok(isTerminal('complete'))
  t.ok(isTerminal('failed'))
  t.notOk(isTerminal('processing'))
})

test('applying a change sets the fields it names, removes those set to null, and stamps the time', async (t) => {
  const processing = applyChange(job, { status: 'processing', attempts: 1, error: 'earlier', deadline: 50 }, 7)
  t.match(processing, { status: 'processing', attempts: 1, error: 'earlier', deadline: 50, updatedAt: 7, createdAt: 1 })
  const complete = applyChange(processing, { status: 'complete', result: { x: 1 }, error: null, deadline: null }, 9)
  t.same(complete, { ...job, status: 'complete', attempts: 1, result: { x: 1 }, updatedAt: 9 })
  t.equal(job.status, 'pending', 'the original is not mutated')
})

test('an illegal change throws instead of corrupting the job', async (t) => {
  t.throws(() => applyChange({ ...job, status: 'complete' }, { status: 'failed' }, 2), IllegalTransitionError)
})
