import { type Collection, type Db, type Filter, type IndexDescription, MongoServerError, type UpdateFilter } from 'mongodb'
import { canTransition, claimChange, IllegalTransitionError, type Job, type JobChange, type JobStatus } from '../../job.js'
import type { JobIndex, JobQuery } from '../../listing.js'
import type { JobStore, WaitingJobs } from '../../store.js'
import { DEFAULT_JOB_TTL_MS } from '../redis/store.js'

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
  lastError?: string
  attempts: number
  createdAt: Date
  updatedAt: Date
  nextAttemptAt?: Date
  deadline?: Date
  holder?: string
  waiting?: 'callback' | 'poll'
  vendorRef?: string
  trace?: string
}

const DATES = ['nextAttemptAt', 'deadline'] as const
const PLAIN = ['result', 'error', 'lastError', 'holder', 'waiting', 'vendorRef'] as const
/** Set at creation only, never by a change. */
const KEPT = [...PLAIN, 'trace'] as const

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
  for (const field of KEPT) if (job[field] !== undefined) (doc as unknown as Record<string, unknown>)[field] = job[field]
  for (const field of DATES) if (job[field] !== undefined) doc[field] = new Date(job[field] as number)
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
  for (const field of KEPT) if (doc[field] !== undefined) (job as unknown as Record<string, unknown>)[field] = doc[field]
  for (const field of DATES) if (doc[field] !== undefined) job[field] = (doc[field] as Date).getTime()
  return job
}

/** A change as $set and $unset (the fields the change sets to null). */
function changeUpdate (change: JobChange, now: Date): UpdateFilter<JobDocument> {
  const $set: Record<string, unknown> = { updatedAt: now }
  const $unset: Record<string, ''> = {}
  if (change.status !== undefined) $set.status = change.status
  if (change.attempts !== undefined) $set.attempts = change.attempts
  for (const field of [...PLAIN, ...DATES]) {
    const value = change[field]
    if (value === null) $unset[field] = ''
    else if (value !== undefined) $set[field] = (DATES as readonly string[]).includes(field) ? new Date(value as number) : value
  }
  return Object.keys($unset).length === 0 ? { $set } : { $set, $unset }
}

/** The fields a claim decided on: the update applies only while none of them changed (optimistic compare-and-set). */
function claimFilter (job: Job): Filter<JobDocument> {
  const absent = { $exists: false }
  return {
    requestId: job.id,
    status: job.status,
    attempts: job.attempts,
    holder: job.holder ?? absent,
    waiting: job.waiting ?? absent
  }
}

/** A listing query as a filter: `{status: 1, createdAt: -1}` serves it with a status, newest first. */
function listFilter (q: JobQuery): Filter<JobDocument> {
  const filter: Filter<JobDocument> = {}
  if (q.status !== undefined) filter.status = q.status
  if (q.vendor !== undefined) filter.vendor = q.vendor
  if (q.createdAfter !== undefined) filter.createdAt = { $gt: new Date(q.createdAfter) }
  if (q.after !== undefined) {
    const at = new Date(q.after.createdAt)
    filter.$and = [{ $or: [{ createdAt: { $lt: at } }, { createdAt: at, requestId: { $lt: q.after.id } }] }]
  }
  return filter
}

const INDEXES: IndexDescription[] = [
  { key: { requestId: 1 }, unique: true },
  { key: { status: 1, createdAt: -1 } },
  { key: { vendor: 1, status: 1 } },
  // The reconciler pages through a vendor's waiting jobs by their last change, without sorting them in memory.
  { key: { vendor: 1, status: 1, updatedAt: 1 } }
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
export async function createMongoStore (db: Db, opts: MongoStoreOptions = {}): Promise<JobStore & WaitingJobs & JobIndex> {
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
    async claim (id, claimant) {
      const doc = await jobs.findOne({ requestId: id }, { projection })
      if (doc === null) return { ok: false, reason: 'missing' }
      const job = fromDocument(doc)
      const decision = claimChange(job, claimant)
      if (!decision.ok) return decision
      const claimed = await jobs.findOneAndUpdate(claimFilter(job), changeUpdate(decision.change, new Date()), { returnDocument: 'after', projection })
      // Changed since it was read: another delivery, a webhook or a sweep won; whatever it did holds the job now.
      return claimed === null ? { ok: false, reason: 'held' } : { ok: true, job: fromDocument(claimed) }
    },
    async settle (id, holder, change) {
      const res = await jobs.updateOne({ requestId: id, holder }, changeUpdate({ ...change, holder: null }, new Date()))
      return res.modifiedCount === 1
    },
    async transition (id, from, change) {
      const to = change.status ?? from
      // Refused here, before any round trip: an illegal move is a bug in the caller, not a lost race.
      if (!canTransition(from, to)) throw new IllegalTransitionError(from, to)
      // The status in the filter is the compare-and-set: a job that has moved on matches nothing.
      const doc = await jobs.findOneAndUpdate({ requestId: id, status: from }, changeUpdate(change, new Date()),
        { returnDocument: 'after', projection })
      return doc === null ? null : fromDocument(doc)
    },
    async list (q) {
      const docs = await jobs.find(listFilter(q), { projection }).sort({ createdAt: -1, requestId: -1 }).limit(q.limit + 1).toArray()
      const page = docs.slice(0, q.limit).map(fromDocument)
      const last = page.at(-1)
      return { jobs: page, ...(docs.length > q.limit && last !== undefined ? { next: { createdAt: last.createdAt, id: last.id } } : {}) }
    },
    async waiting (vendor, before, limit, after) {
      const filter: Filter<JobDocument> = { vendor, status: { $in: ['pending', 'processing'] }, updatedAt: { $lt: new Date(before) } }
      if (after !== undefined) {
        const at = new Date(after.updatedAt)
        filter.$or = [{ updatedAt: { $gt: at } }, { updatedAt: at, requestId: { $gt: after.id } }]
      }
      const docs = await jobs.find(filter, { projection, sort: { updatedAt: 1, requestId: 1 }, limit }).toArray()
      return docs.map(fromDocument)
    },
    async ping () {
      await db.command({ ping: 1 })
    }
  }
}
