import type { Job, JobStatus } from './job.js'

/** Where a page ended: the last job listed; the next page starts strictly after it. */
export interface Position {
  createdAt: number
  id: string
}

export interface JobQuery {
  status?: JobStatus
  vendor?: string
  /** Only this team's jobs: always set for a team's own listing, optional for the admin's. */
  team?: string
  /** Every configured vendor, for indexes kept per vendor that list all of them when `vendor` is not given. */
  vendors: readonly string[]
  /** Only jobs created strictly after this time, ms since the epoch. */
  createdAfter?: number
  after?: Position
  limit: number
}

export interface JobPage {
  jobs: Job[]
  /** Absent on the last page. */
  next?: Position
}

/** Lists jobs newest first (by createdAt, then id, both descending), a page at a time. */
export interface JobIndex {
  list (query: JobQuery): Promise<JobPage>
}

/** The listing order: newest first, ties broken by id so that every position is unique. */
export function newerFirst (a: Position, b: Position): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
}

/** Whether `p` comes after `cursor` in the listing order. */
export const isAfter = (p: Position, cursor: Position | undefined): boolean => cursor === undefined || newerFirst(cursor, p) < 0

/** Whether a job matches a query's filters (the cursor aside). */
export function matches (job: Job, q: JobQuery): boolean {
  return (q.status === undefined || job.status === q.status) &&
    (q.vendor === undefined || job.vendor === q.vendor) &&
    (q.team === undefined || job.team === q.team) &&
    (q.createdAfter === undefined || job.createdAt > q.createdAfter)
}

/**
 * A position strictly between two neighbours of the listing order (`last` listed, `next` not yet) that names
 * neither: where the last job read was another team's, a cursor at it would hand out that team's job id.
 * Within one ms, the shortest head of `last`'s id above `next`'s; across ms, `0`, below every id.
 */
export function positionBetween (last: Position, next: Position): Position {
  if (next.createdAt !== last.createdAt) return { createdAt: last.createdAt, id: '0' }
  let k = 0
  while (k < last.id.length && last.id[k] === next.id[k]) k++
  return { createdAt: last.createdAt, id: last.id.slice(0, k + 1) }
}

/** A cursor is opaque to clients: the position as base64url, so that nobody builds one by hand. */
export function encodeCursor (p: Position): string {
  return Buffer.from(`${p.createdAt}:${p.id}`).toString('base64url')
}

/** The position a cursor names, or undefined when it is not one of ours. */
export function decodeCursor (cursor: string): Position | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined
  // A position between two jobs names a head of an id (positionBetween).
  const match = /^(\d{1,15}):([0-9a-f-]{1,36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (match === null) return undefined
  return { createdAt: Number(match[1]), id: match[2] as string }
}
