import fc from 'fast-check'
import type { Test } from 'tap'
import { createMemoryStore } from '../../core/backends/memory/store.js'
import type { Job } from '../../core/job.js'
import { finishLeader, type ResultCache, submitCached } from '../../core/results.js'

/** A fresh cache; `wait(ms)` lets time pass for it (a clock moved, or real time slept). */
export type MakeResults = (t: Test) => Promise<{ cache: ResultCache, wait: (ms: number) => Promise<void> }>

const CLAIM_MS = 60_000

/** The ResultCache contract, run against every backend's (memory, Redis, a Redis Cluster). */
export function resultsContract (tap: Test, name: string, skip: false | string, make: MakeResults, runs = 100): void {
  tap.test(`${name}: a key is led by its first job, joined by the next, and keeps a completed result for its ttl`, { skip }, async (t) => {
    const { cache, wait } = await make(t)
    t.same(await cache.admit('k', 'a', { claimMs: CLAIM_MS }), { kind: 'lead' })
    t.same(await cache.admit('k', 'b', { claimMs: CLAIM_MS }), { kind: 'follow', leader: 'a' })
    t.same(await cache.admit('k', 'c', { claimMs: CLAIM_MS }), { kind: 'follow', leader: 'a' })
    t.same(await cache.admit('other', 'd', { claimMs: CLAIM_MS }), { kind: 'lead' }, 'another key is apart')
    t.same(await cache.finish('k', 'a', { result: { v: 1 }, ttlMs: 1_000 }), ['b', 'c'], 'the followers, once')
    t.same(await cache.finish('k', 'a', { result: { v: 1 }, ttlMs: 1_000 }), [], 'and never again')
    t.match(await cache.admit('k', 'e', { claimMs: CLAIM_MS }), { kind: 'hit', result: { v: 1 } })
    await wait(50)
    t.match(await cache.admit('k', 'f', { claimMs: CLAIM_MS, maxAgeMs: 10 }), { kind: 'lead' }, 'a result older than max-age is not taken: this job leads')
    await wait(1_100)
    await cache.finish('k', 'f')
    t.same(await cache.admit('k', 'g', { claimMs: CLAIM_MS }), { kind: 'lead' }, 'the result expired')
  })

  tap.test(`${name}: a failed leader keeps nothing and frees its key; a leader whose claim was taken over hands back only its own followers`, { skip }, async (t) => {
    const { cache } = await make(t)
    await cache.admit('k', 'a', { claimMs: CLAIM_MS })
    await cache.admit('k', 'b', { claimMs: CLAIM_MS })
    t.same(await cache.finish('k', 'a'), ['b'])
    t.same(await cache.admit('k', 'c', { claimMs: CLAIM_MS }), { kind: 'lead' }, 'nothing kept')
    t.same(await cache.finish('k', 'x'), [], 'no leader: nobody')
    t.same(await cache.admit('k', 'd', { claimMs: CLAIM_MS }), { kind: 'follow', leader: 'c' }, 'the claim is still c\'s')
  })

  tap.test(`${name}: a leader whose claim expired and was taken by a new leader still hands back its own followers when it ends`, { skip }, async (t) => {
    const { cache, wait } = await make(t)
    await cache.admit('k', 'a', { claimMs: 500 })
    t.same(await cache.admit('k', 'b', { claimMs: 500 }), { kind: 'follow', leader: 'a' })
    await wait(600)
    t.same(await cache.admit('k', 'c', { claimMs: 500 }), { kind: 'lead' }, 'a\'s claim expired: c leads')
    t.same(await cache.admit('k', 'd', { claimMs: 500 }), { kind: 'follow', leader: 'c' })
    t.same(await cache.finish('k', 'a'), ['b'], 'a, still on its way, ends its follower')
    t.same(await cache.admit('k', 'e', { claimMs: 500 }), { kind: 'follow', leader: 'c' }, 'and leaves c\'s claim alone')
    t.same(await cache.finish('k', 'c'), ['d', 'e'])
  })

  tap.test(`${name}: saved calls are counted per team, vendor and source, with what they would have cost`, { skip }, async (t) => {
    const { cache } = await make(t)
    await cache.saved('growth', 'v1', 'cache', 3_000)
    await cache.saved('growth', 'v1', 'cache', 3_000)
    await cache.saved('growth', 'v1', 'coalesced', 500)
    await cache.saved('risk', 'v2', 'coalesced', 0)
    t.same(await cache.savedOf('growth'), { v1: { cache: 2, coalesced: 1, cost: 0.0065 } })
    t.same(await cache.savedOf('risk'), { v2: { cache: 0, coalesced: 1, cost: 0 } })
    t.same(await cache.savedOf('nobody'), {})
  })

  tap.test(`${name}: random submits, completions, failures and expiries never give a job another key's result nor keep a failure`, { skip }, async (t) => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('submit' as const), key: fc.integer({ min: 0, max: 2 }), noCache: fc.boolean() }),
      fc.record({ kind: fc.constantFrom('complete' as const, 'fail' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('expire' as const) })
    )
    let round = 0
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
      const { cache, wait } = await make(t)
      const store = createMemoryStore()
      const jobs = { store, submit: (job: Job) => store.create(job), index: async () => {}, ended: async () => {}, requeue: async () => {}, intend: async () => {} }
      const keyOf = (job: Job): string => `r${round}:k${job.payload.k as number}`
      /** Each result a call produced, by the key its job had: only these may be handed out. */
      const produced = new Map<string, Set<string>>()
      const led: string[] = []
      let n = 0
      round++
      for (const step of ops) {
        if (step.kind === 'submit') {
          const job: Job = { id: `j${round}-${n++}`, vendor: 'v', team: 'x', status: 'pending', payload: { k: step.key }, attempts: 0, createdAt: 1, updatedAt: 1 }
          const source = await submitCached(jobs, cache, job, keyOf(job), { claimMs: CLAIM_MS, noCache: step.noCache })
          if (source === 'vendor') led.push(job.id)
        } else if (step.kind === 'expire') {
          await wait(30)
        } else if (led.length > 0) {
          const [id] = led.splice(step.pick % led.length, 1) as [string]
          const job = await store.get(id) as Job
          const change = step.kind === 'complete'
            ? { status: 'complete' as const, result: { key: keyOf(job), by: id } }
            : { status: 'failed' as const, error: `failed ${id}` }
          if (step.kind === 'complete') produced.set(keyOf(job), (produced.get(keyOf(job)) ?? new Set()).add(JSON.stringify(change.result)))
          const ended = await store.transition(id, 'pending', change) as Job
          await finishLeader(jobs, cache, ended, 20)
        }
      }
      for (const job of (await store.list({ limit: 10_000, vendors: ['v'] })).jobs) {
        if (job.status === 'complete') {
          const result = job.result as { key: string, by: string }
          if (result.key !== keyOf(job)) throw new Error(`job ${job.id} of ${keyOf(job)} has ${result.key}'s result`)
          if (!produced.get(keyOf(job))?.has(JSON.stringify(result))) throw new Error(`job ${job.id} has a result no call produced`)
          const by = await store.get(result.by)
          if (by?.status !== 'complete') throw new Error(`job ${job.id} has the result of ${result.by}, which did not complete`)
        }
        if (job.status === 'failed' && job.source === 'cache') throw new Error(`job ${job.id} took a kept failure`)
        if (job.leader !== undefined && job.status === 'pending') {
          const leader = await store.get(job.leader)
          if (leader?.status === 'complete' || leader?.status === 'failed') throw new Error(`job ${job.id} still waits for ${job.leader}, which ended`)
        }
      }
    }), { numRuns: runs })
    t.pass(`${runs} random interleavings held`)
  })
}
