import type { Log } from '../log.js'
import type { DispatchQueue } from './queue.js'

export interface IndexTrim {
  stop (): void
}

/**
 * Keeps the listing indexes bounded, off the request path: every `intervalMs` each vendor's entries of
 * jobs older than `ttlMs` (whose records have expired) go, and each ended status keeps its newest `keep`.
 * Every worker runs it; trimming what another just trimmed costs one cheap command per index.
 */
export function startIndexTrim (queue: DispatchQueue, vendors: string[], opts: { ttlMs: number, keep: number, intervalMs: number }, log: Log): IndexTrim {
  let running = false
  const trim = async (): Promise<void> => {
    let removed = 0
    for (const vendor of vendors) removed += await queue.trimIndexes(vendor, Date.now() - opts.ttlMs, opts.keep)
    if (removed > 0) log.debug({ removed }, 'listing indexes trimmed')
  }
  const timer = setInterval(() => {
    if (running) return
    running = true
    trim().catch((err: unknown) => log.warn({ err }, 'cannot trim the listing indexes')).finally(() => { running = false })
  }, opts.intervalMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
