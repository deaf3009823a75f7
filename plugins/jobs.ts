import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { IdempotencyInProgressError, IdempotencyMismatchError, requestHash, submitOnce } from '../core/idempotency.js'
import { StoreFullError } from '../core/store.js'
import { clip } from '../core/input/clip.js'
import { parseCacheControl } from '../core/results.js'
import { holdsNonFinite } from '../core/input/finite.js'
import { forbiddenKey, type KeyRules } from '../core/input/payload-keys.js'
import { type Job, JOB_FIELDS, type Notify, isTerminal } from '../core/job.js'
import { type Caller, sees } from '../core/teams/caller.js'
import { notifyUrlProblem } from '../core/notify/settings.js'
import { isoTime } from '../core/time.js'
import {
  AdminReadOnlyError, CacheControlError, ForbiddenKeyError, IdempotencyInProgressHttpError, IdempotencyMismatchHttpError, InvalidPayloadError, JobNotFoundError, NotFailedError,
  NotifyNotFailedError, NotifyUrlError, StoreFullHttpError, UnknownVendorError
} from './errors.js'

/** Payloads and callbacks are stored: a key the store cannot hold is the client's error, not a 500 later. */
export function checkKeys (value: unknown, rules: KeyRules): void {
  const bad = forbiddenKey(value, rules)
  if (bad !== undefined) throw new ForbiddenKeyError(JSON.stringify(clip(bad.key)), bad.reason)
}

export interface JobView {
  request_id: string
  status: Job['status']
  vendor: string
  team: string
  created_at: string
  updated_at: string
  attempts: number
  cost?: number
  result?: unknown
  error?: string
  next_attempt_at?: string
  last_error?: string
  batch_id?: string
  source?: Job['source']
  notify?: { status: Notify['status'], attempts: number, last_error?: string }
}

/** A submission checked and ready to store: its job, made under an id and a time (and a batch's id). */
type Prepared = (id: string, createdAt: number, batchId?: string) => Job

/** How long a long poll waits, and what ends it early besides the job's end (the client went away). */
export interface WaitFor {
  seconds: number
  signal?: AbortSignal
}

/**
 * What the routes call: submitting, reading and completing jobs. No HTTP here, only the rules. A caller
 * sees only its own team's jobs (the admin every team's): another team's job is not found, as an unknown id.
 */
interface Jobs {
  /** Checks a submission of `team` as POST /jobs does (vendor, keys, payload), throwing its 4xx; `notifyUrl` as notifyUrlOf gave it. */
  prepare (team: string, body: { vendor: string } & Record<string, unknown>, notifyUrl?: string): Prepared
  /** Where a submission's completion webhook goes: the Notify-Url header, else the team's notify.url; 400 when it may not go there. */
  notifyUrlOf (team: string, header?: string): string | undefined
  /**
   * The job's id, and whether this request created it (false: an earlier one of the team with the same
   * Idempotency-Key did). `cacheControl`: the request's Cache-Control, for a vendor that keeps results.
   */
  submit (caller: Caller, body: { vendor: string } & Record<string, unknown>, idempotencyKey?: string, notifyUrl?: string, cacheControl?: string): Promise<{ id: string, created: boolean }>
  /** The job; with `wait`, as soon as it is complete or failed, or as it stands once the wait is over. */
  view (caller: Caller, id: string, wait?: WaitFor): Promise<JobView>
  /** Sends a failed job back to pending with a new attempt budget. */
  retry (caller: Caller, id: string): Promise<JobView>
  /** Sends a completion webhook that failed for good again, from its first try. */
  resendNotify (caller: Caller, id: string): Promise<JobView>
}

/** A long poll asks to hear of its job's end a little past its own end: clocks differ by a little. */
const WATCH_MARGIN_MS = 1_000

declare module 'fastify' {
  interface FastifyInstance {
    jobs: Jobs
  }
}

/** The fields GET /jobs/{id} shows beside the job's own (core/job.ts JOB_FIELDS), with what each shows of its value. */
const VIEWED = (Object.entries(JOB_FIELDS) as Array<[keyof typeof JOB_FIELDS, { kind: string, view?: string }]>)
  .filter(([, rule]) => rule.view !== undefined)
  .map(([field, rule]) => ({ field, name: rule.view as string, show: field === 'notify' ? notifyView : rule.kind === 'time' ? isoTime : (value: unknown) => value }))

function notifyView (value: unknown): NonNullable<JobView['notify']> {
  const n = value as Notify
  return { status: n.status, attempts: n.attempts, ...(n.lastError === undefined ? {} : { last_error: n.lastError }) }
}

export function toView (job: Job): JobView {
  const view: Record<string, unknown> = {
    request_id: job.id,
    status: job.status,
    vendor: job.vendor,
    team: job.team,
    created_at: isoTime(job.createdAt),
    updated_at: isoTime(job.updatedAt),
    attempts: job.attempts
  }
  for (const { field, name, show } of VIEWED) {
    const value = job[field]
    if (value !== undefined) view[name] = show(value as never)
  }
  return view as unknown as JobView
}

/** How long after a resend's outbox entry is written it comes due, should the request die before the job changes. */
const RESEND_INTENT_MS = 5_000

async function jobsPlugin (app: FastifyInstance): Promise<void> {
  const { backend, vendors } = app
  const { store } = backend
  const keyRules = { dollarPrefix: app.config.mode === 'full' }

  /** The caller's job, or not found: another team's as an unknown id. */
  const own = async (caller: Caller, id: string): Promise<Job> => {
    const job = await store.get(id)
    if (job === null || !sees(caller, job)) throw new JobNotFoundError(id)
    return job
  }

  const jobs: Jobs = {
    prepare (team, body, notifyUrl) {
      const { vendor, ...payload } = body
      const runtime = vendors.runtime(vendor)
      if (runtime === undefined) throw new UnknownVendorError(clip(vendor), vendors.names().join(', '))
      checkKeys(payload, keyRules)
      if (holdsNonFinite(payload)) throw new InvalidPayloadError(vendor, 'it holds a number beyond what JSON can carry (such as 1e400)')
      const problem = runtime.checkPayload(payload)
      if (problem !== undefined) throw new InvalidPayloadError(vendor, clip(problem))
      return (id, createdAt, batchId) => ({
        id, vendor, team, status: 'pending', payload, attempts: 0, createdAt, updatedAt: createdAt,
        ...(batchId === undefined ? {} : { batchId }),
        ...(notifyUrl === undefined ? {} : { notify: { url: notifyUrl, status: 'pending', attempts: 0 } })
      })
    },

    notifyUrlOf (team, header) {
      const settings = app.config.teams.byName.get(team)?.notify
      const url = header ?? settings?.url
      if (url === undefined) return undefined
      const problem = settings?.secret === undefined
        ? 'no signing secret is configured for it (NOTIFY_SECRET, or the team\'s notify.secret)'
        : notifyUrlProblem(url, settings.allowedHosts)
      if (problem !== undefined) throw new NotifyUrlError(JSON.stringify(clip(url)), problem)
      return url
    },

    async submit (caller, body, idempotencyKey, notifyHeader, cacheControl) {
      if (!('team' in caller)) throw new AdminReadOnlyError()
      const { team } = caller
      const freshness = parseCacheControl(cacheControl)
      if (typeof freshness === 'string') throw new CacheControlError(JSON.stringify(clip(cacheControl ?? '')), freshness)
      const notifyUrl = jobs.notifyUrlOf(team, notifyHeader)
      const prepared = jobs.prepare(team, body, notifyUrl)
      const newJob = (id: string): Job => prepared(id, Date.now())
      const { vendor, ...payload } = body
      const submitCached = await app.results.submitter(team, vendor, payload, freshness)
      // Only a new job is refused for its team's budget: a retry with the Idempotency-Key of one accepted
      // before the budget ran out answers that job.
      const submitJob = async (job: Job): Promise<void> => {
        await app.spend.check(team, vendor)
        await (submitCached !== undefined ? submitCached(job) : backend.submit(job))
      }
      try {
        let submitted: { id: string, created: boolean }
        // Each team has its own keys: two teams sending the same value get a job each. A team's name has no ':'.
        if (idempotencyKey !== undefined) {
          const via = { store: backend.store, queue: backend.queue, submit: submitJob }
          submitted = await submitOnce({ keys: backend.idempotency, backend: via }, `${team}:${idempotencyKey}`, requestHash(body, notifyHeader), newJob)
        } else {
          const job = newJob(randomUUID())
          await submitJob(job)
          submitted = { id: job.id, created: true }
        }
        // A repeated Idempotency-Key names the job an earlier request submitted: counted once.
        if (submitted.created) app.metrics.submitted(body.vendor, team)
        return submitted
      } catch (err) {
        throw httpError(err)
      }
    },

    async view (caller, id, wait) {
      if (wait === undefined) return toView(await app.results.settle(await own(caller, id)))
      const until = Date.now() + wait.seconds * 1000
      const opened = app.waits.open([id])
      try {
        await store.watch([id], until + WATCH_MARGIN_MS)
        const job = await app.results.settle(await own(caller, id))
        if (isTerminal(job.status)) return toView(job)
        await opened.next(until, wait.signal)
        return toView(await own(caller, id))
      } finally {
        opened.close()
      }
    },

    async retry (caller, id) {
      const job = await own(caller, id)
      const replayed = await backend.replay(id)
      if (replayed !== null) return toView(replayed)
      const now = await store.get(id)
      throw new NotFailedError(id, (now ?? job).status)
    },

    async resendNotify (caller, id) {
      const job = await own(caller, id)
      const { notify } = job
      if (notify === undefined) throw new NotifyNotFailedError(id, 'it asked for no completion webhook')
      if (notify.status !== 'failed') throw new NotifyNotFailedError(id, `its completion webhook is ${notify.status}, and only one that failed for good is sent again`)
      const again = { url: notify.url, status: 'pending' as const, attempts: 0 }
      // The outbox first, due a moment later: should the process die before the job changes, the entry finds a
      // webhook that failed and drops it. Due at once, a notifier could read the job before it changes and drop
      // the entry all the same, leaving the webhook pending for good.
      await backend.outbox.schedule(job.team, [{ id, at: Date.now() + RESEND_INTENT_MS }])
      if (!await store.recordNotify(id, notify, again)) throw new NotifyNotFailedError(id, 'its completion webhook changed meanwhile; read the job again')
      await backend.outbox.schedule(job.team, [{ id, at: Date.now() }])
      return toView({ ...job, notify: again })
    }
  }
  app.decorate('jobs', jobs)
}

/** The core's refusals of a submission as the HTTP errors they answer. */
export function httpError (err: unknown): unknown {
  if (err instanceof StoreFullError) return new StoreFullHttpError(err.message)
  if (err instanceof IdempotencyMismatchError) return new IdempotencyMismatchHttpError(err.message)
  if (err instanceof IdempotencyInProgressError) return new IdempotencyInProgressHttpError(err.message)
  return err
}

export default fp(jobsPlugin, {
  name: 'jobs',
  fastify: '5.x',
  dependencies: ['config', 'backend', 'vendors', 'metrics', 'waits', 'results', 'spend']
})
