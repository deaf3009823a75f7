import { EventEmitter } from 'node:events'
import type { Job } from '../job.js'

/**
 * Where notifiers find the completion webhooks to send: per team, each job's id with the time its
 * delivery is next due (or its lease ends). The deliveries themselves, and whether they are due at all,
 * are kept on their jobs (`notify`, `endedAt`); an entry only says when to look.
 */
export interface Outbox {
  /** Puts these jobs' deliveries in their team's outbox, due at their `at` (whatever time they had); wakes notifiers for those due now. */
  schedule (team: string, entries: ReadonlyArray<{ id: string, at: number }>): Promise<void>
  /**
   * Leases up to `max` deliveries due by `now` for `leaseMs` (they are due again then: another notifier
   * takes over a dead one's), and tells when the next one left is due.
   */
  lease (team: string, now: number, max: number, leaseMs: number): Promise<{ ids: string[], next?: number }>
  /** Drops a delivery with nothing left to send. */
  drop (team: string, id: string): Promise<void>
  /** Calls `listener` when a team's outbox may have a delivery due now. */
  onDue (listener: (team: string) => void): () => void
}

const RECHECK_MIN_MS = 10_000
const RECHECK_MAX_MS = 300_000

/**
 * When to look again at the entry of a job that has not ended: written before the job itself (at its
 * submission or replay), it finds the delivery should the end's own indexing be lost (a Redis Cluster or
 * MongoDB, where the end and the outbox are written in two steps and a process may die between them).
 * The older the job, the less often it is looked at: a crash then delays a webhook by at most a few
 * minutes, and a job that waits for hours costs a read every five minutes.
 */
export const recheckAt = (now: number, createdAt: number): number => now + Math.min(RECHECK_MAX_MS, Math.max(RECHECK_MIN_MS, now - createdAt))

/**
 * Gives each of these jobs that asks for a webhook its outbox entry, due at recheckAt, before the job is
 * written or changes: where the two are written in two steps, the entry finds the webhook should the
 * job's own indexing be lost. Without an outbox (the job and its entry are written as one) nothing is done.
 */
export async function intendNotify (outbox: Outbox | undefined, jobs: readonly Job[]): Promise<void> {
  if (outbox === undefined) return
  const now = Date.now()
  const byTeam = new Map<string, Array<{ id: string, at: number }>>()
  for (const job of jobs) {
    if (job.notify === undefined) continue
    const entries = byTeam.get(job.team) ?? []
    entries.push({ id: job.id, at: recheckAt(now, job.createdAt) })
    byTeam.set(job.team, entries)
  }
  for (const [team, entries] of byTeam) await outbox.schedule(team, entries)
}

/** The job's outbox entry as it ended: due at its end. */
export const dueAtEnd = (job: Job): { id: string, at: number } | undefined =>
  job.notify?.status === 'pending' && job.endedAt !== undefined ? { id: job.id, at: job.endedAt } : undefined

/** Embedded mode's outbox: one process is the whole fleet, so a map per team. */
export function createMemoryOutbox (): Outbox {
  const teams = new Map<string, Map<string, number>>()
  const wakes = new EventEmitter()
  const of = (team: string): Map<string, number> => {
    let entries = teams.get(team)
    if (entries === undefined) {
      entries = new Map()
      teams.set(team, entries)
    }
    return entries
  }
  return {
    async schedule (team, entries) {
      const outbox = of(team)
      for (const { id, at } of entries) outbox.set(id, at)
      if (entries.some(({ at }) => at <= Date.now())) wakes.emit('due', team)
    },
    async lease (team, now, max, leaseMs) {
      const outbox = of(team)
      const due = [...outbox].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]).slice(0, max).map(([id]) => id)
      for (const id of due) outbox.set(id, now + leaseMs)
      let next: number | undefined
      for (const at of outbox.values()) if (next === undefined || at < next) next = at
      return { ids: due, ...(next === undefined ? {} : { next }) }
    },
    async drop (team, id) {
      teams.get(team)?.delete(id)
    },
    onDue (listener) {
      wakes.on('due', listener)
      return () => wakes.off('due', listener)
    }
  }
}
