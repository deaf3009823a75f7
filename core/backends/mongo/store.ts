import { type Collection, type Db, type Document, type Filter, type IndexDescription, MongoServerError, type UpdateFilter } from 'mongodb'
import { endingChange, endsJob, type JobEnded } from '../../ending.js'
import { canTransition, claimChange, DEFAULT_TEAM, IllegalTransitionError, type Job, type JOB_FIELDS, type JobChange, type JobStatus, jobFields, type Notify } from '../../job.js'
import type { JobIndex, JobQuery } from '../../listing.js'
import type { JobStore, WaitingJobs } from '../../store.js'
import { DEFAULT_JOB_TTL_MS } from '../redis/store.js'

const DUPLICATE_KEY = 11000
const INDEX_OPTIONS_CONFLICT = 85

export interface MongoStoreOptions {
  /** How long a job is kept after its creation (the TTL index on createdAt). */
  ttlMs?: number
  collection?: string
  /** Told of each job once it ended (core/ending.ts). */
  ended?: JobEnded
}

/** A job as the seed's document: the id as requestId, times as Dates, absent fields absent. */
type JobDocument = {
  requestId: string
  vendor: string
  /** Absent on a job stored before teams existed: it reads as DEFAULT_TEAM. */
  team?: string
  status: JobStatus
  payload: Record<string, unknown>
  attempts: number
  createdAt: Date
  updatedAt: Date
} & { -readonly [K in keyof typeof JOB_FIELDS]?: typeof JOB_FIELDS[K]['kind'] extends 'time' ? Date : Job[K] }

/** Times kept as Dates, the rest as they are (core/job.ts JOB_FIELDS). */
const DATES = jobFields({ kind: 'time' })
const PLAIN = [...jobFields({ kind: 'json' }), ...jobFields({ kind: 'text', set: 'change' })]
const KEPT = [...jobFields({ kind: 'json' }), ...jobFields({ kind: 'text' })]

function toDocument (job: Job): JobDocument {
  const doc: JobDocument = {
    requestId: job.id,
    vendor: job.vendor,
    team: job.team,
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

function fromDocument (doc: JobDocument): Job {
  const job: Job = {
    id: doc.requestId,
    vendor: doc.vendor,
    team: doc.team ?? DEFAULT_TEAM,
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

/** A completion webhook's state as a filter that matches it exactly, absent fields absent. */
function notifyFilter (notify: Notify): Filter<JobDocument> {
  const absent = { $exists: false }
  return {
    'notify.url': notify.url,
    'notify.status': notify.status,
    'notify.attempts': notify.attempts,
    'notify.lastError': notify.lastError ?? absent,
    'notify.due': notify.due ?? absent
  }
}

/** A listing query as a filter: `{status: 1, createdAt: -1}` serves it with a status, newest first. */
function listFilter (q: JobQuery): Filter<JobDocument> {
  const filter: Filter<JobDocument> = {}
  if (q.status !== undefined) filter.status = q.status
  if (q.vendor !== undefined) filter.vendor = q.vendor
  // A document without a team was stored before teams existed: it is the default team's.
  if (q.team === DEFAULT_TEAM) filter.$or = [{ team: DEFAULT_TEAM }, { team: { $exists: false } }]
  else if (q.team !== undefined) filter.team = q.team
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
  // A team lists its own jobs, newest first.
  { key: { team: 1, createdAt: -1 } },
  // The reconciler pages through a vendor's waiting jobs by their last change, without sorting them in memory.
  { key: { vendor: 1, status: 1, updatedAt: 1 } }
]

/** The TTL index on createdAt. Idempotent, so every process runs it at start; a changed TTL is applied in place. */
export async function ensureExpiry <T extends Document> (db: Db, collection: Collection<T>, expireAfterSeconds: number): Promise<void> {
  try {
    await collection.createIndex({ createdAt: 1 }, { expireAfterSeconds })
  } catch (err) {
    // The same index with another expiry is a conflict: collMod changes it without rebuilding it.
    if (!(err instanceof MongoServerError && err.code === INDEX_OPTIONS_CONFLICT)) throw err
    await db.command({ collMod: collection.collectionName, index: { keyPattern: { createdAt: 1 }, expireAfterSeconds } })
  }
}

/** Full mode's store: the seed's `jobs` collection, one document per job, expired by MongoDB's TTL monitor. */
export async function createMongoStore (db: Db, opts: MongoStoreOptions = {}): Promise<JobStore & WaitingJobs & JobIndex> {
  const jobs = db.collection<JobDocument>(opts.collection ?? 'jobs')
  await jobs.createIndexes(INDEXES)
  await ensureExpiry(db, jobs, Math.round((opts.ttlMs ?? DEFAULT_JOB_TTL_MS) / 1000))
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
      const now = new Date()
      const update = changeUpdate(endingChange({ ...change, holder: null }, now.getTime()), now)
      if (!endsJob(change)) return (await jobs.updateOne({ requestId: id, holder }, update)).modifiedCount === 1
      // An end is told to the hook, which needs the job as it ended.
      const doc = await jobs.findOneAndUpdate({ requestId: id, holder }, update, { returnDocument: 'after', projection })
      if (doc === null) return false
      await opts.ended?.(fromDocument(doc))
      return true
    },
    async transition (id, from, change) {
      const to = change.status ?? from
      // Refused here, before any round trip: an illegal move is a bug in the caller, not a lost race.
      if (!canTransition(from, to)) throw new IllegalTransitionError(from, to)
      // The status in the filter is the compare-and-set: a job that has moved on matches nothing.
      const now = new Date()
      const doc = await jobs.findOneAndUpdate({ requestId: id, status: from }, changeUpdate(endingChange(change, now.getTime()), now),
        { returnDocument: 'after', projection })
      if (doc === null) return null
      const job = fromDocument(doc)
      if (endsJob(change)) await opts.ended?.(job)
      return job
    },
    async recordNotify (id, expected, next) {
      const res = await jobs.updateOne({ requestId: id, ...notifyFilter(expected) }, { $set: { notify: next } })
      return res.modifiedCount === 1
    },
    async watch (ids) {
      // Every end is told to the hook, whoever waits: nothing to ask for.
      const docs = await jobs.find({ requestId: { $in: [...ids] } }, { projection: { _id: 0, requestId: 1, status: 1 } }).toArray()
      const status = new Map(docs.map((doc) => [doc.requestId, doc.status]))
      return ids.map((id) => status.get(id))
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
