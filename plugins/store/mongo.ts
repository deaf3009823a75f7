import { type Collection, type Db, type IndexDescription, MongoServerError, type UpdateFilter } from 'mongodb'
import { canTransition, IllegalTransitionError, type Job, type JobChange, type JobStatus } from './job-state.js'
import { DEFAULT_JOB_TTL_MS } from './redis.js'
import type { JobStore } from './types.js'

const DUPLICATE_KEY = 11000
const INDEX_OPTIONS_CONFLICT = 85

export interface MongoStoreOptions {
  /** How long a job is kept after its creation (the TTL index on createdAt). */
  ttlMs?: number
  collection?: string
}

/** A job as the seed's document: the id as requestId, times as Dates, absent fields absent. */
export interface JobDocument {
  requestId: string
  vendor: string
  status: JobStatus
  payload: Record<string, unknown>
  result?: unknown
  error?: string
  attempts: number
  createdAt: Date
  updatedAt: Date
  deadline?: Date
}

export function toDocument (job: Job): JobDocument {
  const doc: JobDocument = {
    requestId: job.id,
    vendor: job.vendor,
    status: job.status,
    payload: job.payload,
    attempts: job.attempts,
    createdAt: new Date(job.createdAt),
    updatedAt: new Date(job.updatedAt)
  }
  if (job.result !== undefined) doc.result = job.result
  if (job.error !== undefined) doc.error = job.error
  if (job.deadline !== undefined) doc.deadline = new Date(job.deadline)
  return doc
}

export function fromDocument (doc: JobDocument): Job {
  const job: Job = {
    id: doc.requestId,
    vendor: doc.vendor,
    status: doc.status,
    payload: doc.payload,
    attempts: doc.attempts,
    createdAt: doc.createdAt.getTime(),
    updatedAt: doc.updatedAt.getTime()
  }
  if (doc.result !== undefined) job.result = doc.result
  if (doc.error !== undefined) job.error = doc.error
  if (doc.deadline !== undefined) job.deadline = doc.deadline.getTime()
  return job
}

/** A change as $set and $unset (the fields the change sets to null). */
function changeUpdate (to: JobStatus, change: JobChange, now: Date): UpdateFilter<JobDocument> {
  const $set: Partial<JobDocument> = { status: to, updatedAt: now }
  const $unset: { error?: '', deadline?: '' } = {}
  if (change.attempts !== undefined) $set.attempts = change.attempts
  if (change.result !== undefined) $set.result = change.result
  if (change.error === null) $unset.error = ''
  else if (change.error !== undefined) $set.error = change.error
  if (change.deadline === null) $unset.deadline = ''
  else if (change.deadline !== undefined) $set.deadline = new Date(change.deadline)
  return Object.keys($unset).length === 0 ? { $set } : { $set, $unset }
}

const INDEXES: IndexDescription[] = [
  { key: { requestId: 1 }, unique: true },
  { key: { status: 1, createdAt: -1 } },
  { key: { vendor: 1, status: 1 } }
]

/** Idempotent, so every process runs it at start; a changed TTL is applied in place. */
async function ensureIndexes (db: Db, jobs: Collection<JobDocument>, expireAfterSeconds: number): Promise<void> {
  await jobs.createIndexes(INDEXES)
  try {
    await jobs.createIndex({ createdAt: 1 }, { expireAfterSeconds })
  } catch (err) {
    // The same index with another expiry is a conflict: collMod changes it without rebuilding it.
    if (!(err instanceof MongoServerError && err.code === INDEX_OPTIONS_CONFLICT)) throw err
    await db.command({ collMod: jobs.collectionName, index: { keyPattern: { createdAt: 1 }, expireAfterSeconds } })
  }
}

/** Full mode's store: the seed's `jobs` collection, one document per job, expired by MongoDB's TTL monitor. */
export async function createMongoStore (db: Db, opts: MongoStoreOptions = {}): Promise<JobStore> {
  const jobs = db.collection<JobDocument>(opts.collection ?? 'jobs')
  await ensureIndexes(db, jobs, Math.round((opts.ttlMs ?? DEFAULT_JOB_TTL_MS) / 1000))
  const projection = { _id: 0 }
  return {
    kind: 'mongo',
    async create (job) {
      try {
        await jobs.insertOne(toDocument(job))
      } catch (err) {
        if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) throw new Error(`job ${job.id} already exists`)
        throw err
      }
    },
    async get (id) {
      const doc = await jobs.findOne({ requestId: id }, { projection })
      return doc === null ? null : fromDocument(doc)
    },
    async transition (id, from, change) {
      const to = change.status ?? from
      // Refused here, before any round trip: an illegal move is a bug in the caller, not a lost race.
      if (!canTransition(from, to)) throw new IllegalTransitionError(from, to)
      // The status in the filter is the compare-and-set: a job that has moved on matches nothing.
      const doc = await jobs.findOneAndUpdate({ requestId: id, status: from }, changeUpdate(to, change, new Date()),
        { returnDocument: 'after', projection })
      return doc === null ? null : fromDocument(doc)
    },
    async ping () {
      await db.command({ ping: 1 })
    }
  }
}
