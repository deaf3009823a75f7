import { setTimeout as sleep } from 'node:timers/promises'

/** A queue under test, seen from outside: how to add jobs and how to count the finished ones. */
export interface Pipeline {
  name: string
  fill (n: number): Promise<void>
  completed (): Promise<number>
  failed (): Promise<number>
  /** A line on jobs that did not finish, for the log, when a batch ends with some. */
  unfinished? (): Promise<string>
}

/** Completed jobs per second over one batch of jobs. */
export interface Throughput {
  jobs: number
  completed: number
  failed: number
  jobsPerSec: number
  /** The share of the batch whose completions the rate is measured over. */
  measuredShare: number
  seconds: number
}

/** Bounded: no batch waits longer than this, whatever the machine (it assumes at least 100 jobs/s). */
const timeoutFor = (n: number): number => 30_000 + n * 10
/** Nor longer than this without a job finishing once all are added: the mocks inject no faults, so nothing waits for a retry. */
export const STALL_MS = 5_000

/**
 * Adds `n` jobs to running (warm) workers and polls the counts every 20 ms. The rate is taken from the
 * first poll after the last job was added (so the producer no longer competes for the CPU) with at least
 * 10% of the batch complete, to the first poll with 90%: start and tail count for nothing.
 */
export async function throughput (pipeline: Pipeline, n: number): Promise<Throughput> {
  const [doneBefore, failedBefore] = await Promise.all([pipeline.completed(), pipeline.failed()])
  let filled = false
  const filling = pipeline.fill(n).then(() => { filled = true })
  filling.catch(() => {})
  const started = Date.now()
  type Mark = { at: number, count: number }
  let first: Mark | undefined
  let t0: Mark | undefined
  let t1: Mark | undefined
  let last: Mark = { at: started, count: 0 }
  let failed = 0
  let moved = started
  while (Date.now() - started < timeoutFor(n)) {
    const [done, bad] = await Promise.all([pipeline.completed(), pipeline.failed()])
    const now = Date.now()
    if (done - doneBefore + bad - failedBefore > last.count + failed || !filled) moved = now
    else if (now - moved > STALL_MS) break
    last = { at: now, count: done - doneBefore }
    failed = bad - failedBefore
    if (first === undefined && last.count > 0) first = last
    if (t0 === undefined && filled && last.count >= n * 0.1) t0 = last
    if (t1 === undefined && t0 !== undefined && last.count >= n * 0.9) t1 = last
    if (last.count + failed >= n) break
    await sleep(20)
  }
  await filling
  if (last.count + failed < n && pipeline.unfinished !== undefined) {
    console.log(`  ${pipeline.name}: ${n - last.count - failed} of ${n} jobs unfinished after ${((last.at - started) / 1000).toFixed(1)} s; ${await pipeline.unfinished().catch((err: Error) => err.message)}`)
  }
  // Too fast to see a window: the whole batch from its first completion.
  const [begin, end] = t0 !== undefined && t1 !== undefined && t1.count - t0.count >= n * 0.2 ? [t0, t1] : [first ?? last, last]
  const seconds = Math.max(0.001, (end.at - begin.at) / 1000)
  return {
    jobs: n,
    completed: last.count,
    failed,
    jobsPerSec: (end.count - begin.count) / seconds,
    measuredShare: (end.count - begin.count) / n,
    seconds: (last.at - started) / 1000
  }
}

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] ?? Number.NaN : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** Rounds of one measurement, reported as their median (every round kept). */
export type Rounds<T> = T & { rounds: T[] }

export function medianOf<T extends object> (rounds: T[]): Rounds<T> {
  const first = rounds[0]
  if (first === undefined) throw new Error('no rounds')
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(first)) {
    out[key] = typeof value === 'number' ? median(rounds.map((r) => (r as Record<string, number>)[key] ?? Number.NaN)) : value
  }
  return { ...(out as T), rounds }
}

export function describe (what: string, t: Throughput): string {
  const share = `${(100 * t.measuredShare).toFixed(0)}% measured`
  return `  ${what}: ${t.jobsPerSec.toFixed(0)} jobs/s (${t.completed}/${t.jobs} complete, ${t.failed} failed, ${share}, ${t.seconds.toFixed(1)} s)`
}
