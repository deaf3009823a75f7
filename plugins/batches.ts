import { randomUUID } from 'node:crypto'
import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { type Batch, type BatchItem, batchJobId, batchState, jobIdsOf } from '../core/batches.js'
import { requestHash, runOnce } from '../core/idempotency.js'
import type { Job } from '../core/job.js'
import { type Caller, sees } from '../core/teams/caller.js'
import { isoTime } from '../core/time.js'
import { AdminReadOnlyError, BatchNotFoundError, BudgetExhaustedError, IdempotencyMismatchHttpError } from './errors.js'
import { httpError, type WaitFor } from './jobs.js'

interface BatchView {
  batch_id: string
  created_at: string
  total: number
  counts: { pending: number, processing: number, complete: number, failed: number }
  done: boolean
}

interface BatchAnswer {
  batch_id: string
  jobs: Array<{ request_id: string } | { error: { statusCode: number, code: string, message: string } }>
}

interface BatchOptions {
  /** What POST /jobs's body schema says of an item (FST_ERR_VALIDATION, as that route answers), or undefined when it holds. */
  check (item: unknown): string | undefined
  idempotencyKey?: string | undefined
  /** The Notify-Url header. */
  notifyUrl?: string | undefined
}

/** Batches of jobs (POST /jobs/batch): each item checked as POST /jobs checks a job, the valid ones stored at once. */
interface Batches {
  /** The answer, and whether this request stored the batch (false: an earlier one with the same Idempotency-Key did). */
  submit (caller: Caller, jobs: unknown[], opts: BatchOptions): Promise<{ answer: BatchAnswer, created: boolean }>
  /** The batch's counts; with `wait`, as soon as every job is complete or failed, or as they stand once the wait is over. */
  view (caller: Caller, id: string, wait?: WaitFor): Promise<BatchView>
  /** The caller's batch, or not found: another team's as an unknown id. */
  get (caller: Caller, id: string): Promise<Batch>
}

declare module 'fastify' {
  interface FastifyInstance {
    batches: Batches
  }
}

/** A refused item as its answer says it: what POST /jobs would have answered, without the HTTP reason phrase. */
function refusal (err: unknown): BatchItem {
  const e = err as FastifyError
  if (e.statusCode === undefined || e.statusCode >= 500 || e.code === undefined) throw err
  return { error: { statusCode: e.statusCode, code: e.code, message: e.message } }
}

const answerOf = (batch: Batch): BatchAnswer => ({
  batch_id: batch.id,
  jobs: batch.items.map((item) => 'requestId' in item ? { request_id: item.requestId } : item)
})

async function batchesPlugin (app: FastifyInstance): Promise<void> {
  const { backend } = app

  const batches: Batches = {
    async submit (caller, items, { check, idempotencyKey, notifyUrl: notifyHeader }) {
      if (!('team' in caller)) throw new AdminReadOnlyError()
      const { team } = caller
      const notifyUrl = app.jobs.notifyUrlOf(team, notifyHeader)
      let made: Batch | undefined
      const store = async (id: string, takeover: boolean): Promise<void> => {
        // A request that died may have stored the batch already: its answer stands.
        if (takeover && await backend.batches.get(id) !== null) return
        const createdAt = Date.now()
        const jobs: Job[] = []
        // Jobs of vendors that keep results go through the cache and coalescing, one by one, as POST /jobs's do.
        const kept: Array<{ job: Job, submit: (job: Job) => Promise<void> }> = []
        // Any item may be anything (each is checked below): null names no vendor.
        const named = items.map((body) => (body as { vendor?: unknown } | null)?.vendor).filter((v): v is string => typeof v === 'string')
        const unaffordable = await app.spend.unaffordable(team, named)
        const answers: BatchItem[] = []
        for (const [index, body] of items.entries()) {
          try {
            const problem = check(body)
            if (problem !== undefined) {
              answers.push({ error: { statusCode: 400, code: 'FST_ERR_VALIDATION', message: problem } })
              continue
            }
            const job = app.jobs.prepare(team, body as { vendor: string } & Record<string, unknown>, notifyUrl)(batchJobId(id, index), createdAt, id)
            if (unaffordable.has(job.vendor)) {
              answers.push(refusal(new BudgetExhaustedError(team, job.vendor)))
              continue
            }
            const submit = await app.results.submitter(team, job.vendor, job.payload, {})
            if (submit === undefined) jobs.push(job)
            else kept.push({ job, submit })
            answers.push({ requestId: job.id })
          } catch (err) {
            answers.push(refusal(err))
          }
        }
        // Before the batch is kept: a takeover of a request that died in between submits only what it had not.
        await Promise.all(kept.map(async ({ job, submit }) => {
          if (!takeover || await backend.store.get(job.id) === null) await submit(job)
        }))
        made = { id, team, createdAt, items: answers }
        await backend.submitBatch(made, jobs)
        for (const { vendor } of [...jobs, ...kept.map((k) => k.job)]) app.metrics.submitted(vendor, team)
      }
      try {
        let id: string = randomUUID()
        if (idempotencyKey === undefined) await store(id, false)
        // A batch's key is its team's, as a job's is; the batch's body and the Notify-Url it named must match.
        else id = (await runOnce(backend.idempotency, `${team}:${idempotencyKey}`, requestHash({ batch: items }, notifyHeader), store)).id
        // Not made here: an earlier request with the key stored it, and its answer is this one's.
        const batch = made ?? await backend.batches.get(id)
        if (batch === null) throw new IdempotencyMismatchHttpError('this Idempotency-Key named a batch that is no longer kept')
        return { answer: answerOf(batch), created: made !== undefined }
      } catch (err) {
        throw httpError(err)
      }
    },

    async get (caller, id) {
      const batch = await backend.batches.get(id)
      if (batch === null || !sees(caller, batch)) throw new BatchNotFoundError(id)
      return batch
    },

    async view (caller, id, wait) {
      const batch = await batches.get(caller, id)
      const ids = jobIdsOf(batch)
      const view = (statuses: Parameters<typeof batchState>[0]): BatchView => ({
        batch_id: batch.id, created_at: isoTime(batch.createdAt), ...batchState(statuses)
      })
      // Watching until a time past reads the statuses alone.
      if (wait === undefined) return view(await backend.store.watch(ids, 0))
      const until = Date.now() + wait.seconds * 1000
      const opened = app.waits.open(ids)
      try {
        const statuses = await backend.store.watch(ids, until + 1_000)
        const open = new Set(ids.filter((_, i) => !batchState([statuses[i]]).done))
        while (open.size > 0) {
          const ended = await opened.next(until, wait.signal)
          if (ended === undefined) break
          open.delete(ended)
        }
        return view(await backend.store.watch(ids, 0))
      } finally {
        opened.close()
      }
    }
  }
  app.decorate('batches', batches)
}

export default fp(batchesPlugin, { name: 'batches', fastify: '5.x', dependencies: ['config', 'backend', 'vendors', 'metrics', 'jobs', 'waits'] })
