import { test } from 'tap'
import { applyChange, canTransition, claimChange, IllegalTransitionError, isTerminal, type Job } from '../../core/job.js'

const job: Job = { id: 'a', vendor: 'v', team: 'default', status: 'pending', payload: {}, attempts: 0, createdAt: 1, updatedAt: 1 }

test('a job moves forward from pending through processing to complete or failed', async (t) => {
  t.ok(canTransition('pending', 'processing'))
  t.ok(canTransition('processing', 'processing'), 'a retry stays processing')
  t.ok(canTransition('processing', 'complete'))
  t.ok(canTransition('processing', 'failed'))
  t.ok(canTransition('pending', 'failed'), 'a job that waited too long fails without a call')
  t.ok(canTransition('pending', 'complete'), 'a coalesced job takes the result of the job it joined, without a call')
  t.ok(canTransition('failed', 'pending'), 'a failed job can be replayed')
})

test('the status never moves backwards on its own: processing never returns to pending', async (t) => {
  t.notOk(canTransition('processing', 'pending'))
  for (const to of ['pending', 'processing', 'complete', 'failed'] as const) t.notOk(canTransition('complete', to), `complete -> ${to}`)
  t.notOk(canTransition('failed', 'complete'))
  t.ok(isTerminal('complete'))
  t.ok(isTerminal('failed'))
  t.notOk(isTerminal('processing'))
})

test('applying a change sets the fields it names, removes those set to null, and stamps the time', async (t) => {
  const processing = applyChange(job, { status: 'processing', attempts: 1, lastError: 'earlier', deadline: 50, holder: 'e#1' }, 7)
  t.match(processing, { status: 'processing', attempts: 1, lastError: 'earlier', deadline: 50, holder: 'e#1', updatedAt: 7, createdAt: 1 })
  const complete = applyChange(processing, { status: 'complete', result: { x: 1 }, lastError: null, deadline: null, holder: null }, 9)
  t.same(complete, { ...job, status: 'complete', attempts: 1, result: { x: 1 }, updatedAt: 9 })
  t.equal(job.status, 'pending', 'the original is not mutated')
})

test('an illegal change throws instead of corrupting the job', async (t) => {
  t.throws(() => applyChange({ ...job, status: 'complete' }, { status: 'failed' }, 2), IllegalTransitionError)
  t.throws(() => applyChange({ ...job, status: 'processing' }, { status: 'pending' }, 2), IllegalTransitionError)
})

test('a call claims a pending job: processing, one more attempt, held by the delivery', async (t) => {
  const claim = claimChange(job, { entry: '5-0', deliveries: 1, kind: 'call' })
  t.same(claim, { ok: true, change: { status: 'processing', attempts: 1, holder: '5-0#1', nextAttemptAt: null } })
  const retry = claimChange({ ...job, status: 'processing', attempts: 2, nextAttemptAt: 9, lastError: 'x' }, { entry: '7-0', deliveries: 1, kind: 'call' })
  t.match(retry, { ok: true, change: { attempts: 3, holder: '7-0#1', nextAttemptAt: null } })
})

test('a job held by one delivery is refused to any other, but a later delivery of the same entry takes it over', async (t) => {
  const held: Job = { ...job, status: 'processing', attempts: 1, holder: '5-0#1' }
  t.same(claimChange(held, { entry: '6-0', deliveries: 1, kind: 'call' }), { ok: false, reason: 'held' }, 'another entry of the same job')
  t.same(claimChange(held, { entry: '5-0', deliveries: 1, kind: 'call' }), { ok: false, reason: 'held' }, 'the same delivery twice')
  t.match(claimChange(held, { entry: '5-0', deliveries: 2, kind: 'call' }), { ok: true, change: { holder: '5-0#2', attempts: 2 } }, 'its lease expired: taken over')
  t.same(claimChange({ ...held, holder: '5-0#3' }, { entry: '5-0', deliveries: 2, kind: 'call' }), { ok: false, reason: 'held' }, 'a stale delivery cannot claim back')
})

test('a job that ended or waits for its callback has nothing left to call; only a poll takes a polled job', async (t) => {
  for (const status of ['complete', 'failed'] as const) {
    t.same(claimChange({ ...job, status }, { entry: '1-0', deliveries: 1, kind: 'call' }), { ok: false, reason: 'done' }, status)
  }
  const waiting: Job = { ...job, status: 'processing', attempts: 1, waiting: 'callback' }
  t.same(claimChange(waiting, { entry: '1-0', deliveries: 1, kind: 'call' }), { ok: false, reason: 'done' })
  t.same(claimChange(waiting, { entry: '1-0', deliveries: 1, kind: 'poll' }), { ok: false, reason: 'done' })
  const polled: Job = { ...waiting, waiting: 'poll' }
  t.same(claimChange(polled, { entry: '1-0', deliveries: 1, kind: 'poll' }), { ok: true, change: { holder: '1-0#1', nextAttemptAt: null } }, 'a poll spends no attempt')
  t.same(claimChange(polled, { entry: '1-0', deliveries: 1, kind: 'call' }), { ok: false, reason: 'done' })
})
