// A vendor's last 15 minutes for the dashboard's charts: the calls the fleet made to it per interval and
// its queue as it stood once per interval. Every process counts its own calls and adds them to the
// interval they were made in (a sum over the fleet); the queue is the fleet's already, so one process per
// interval, the one that takes the interval's lease, samples it.

export const HISTORY_WINDOW_MS = 15 * 60_000

/** A vendor's queue at one moment: waiting to be called, waiting for their time, on the wire. */
export interface QueueSample {
  ready: number
  delayed: number
  inFlight: number
}

/** What a backend kept of one vendor: calls by interval, and the queue sampled in some intervals; keyed by the interval's start, ms. */
export interface HistoryRecord {
  calls: Map<number, number>
  samples: Map<number, QueueSample>
}

/** Where the history is kept: in Redis for the fleet, in memory in embedded mode. Each interval's start, ms, names it. */
export interface HistoryStore {
  /** Adds to each interval's calls; what is older than `keepMs` may go. */
  addCalls (vendor: string, counts: ReadonlyMap<number, number>, keepMs: number): Promise<void>
  /** Records the queue of interval `at`, and drops calls and samples older than `keepMs` before it. */
  addSample (vendor: string, at: number, sample: QueueSample, keepMs: number): Promise<void>
  /** Calls and samples of the intervals from `from` on. */
  read (vendor: string, from: number): Promise<HistoryRecord>
}

/** One interval of the history, as the route shows it: absent `queue` where no process sampled it. */
interface HistoryPoint {
  at: number
  calls: number
  queue?: QueueSample
}

interface SamplerOptions {
  store: HistoryStore
  vendors: readonly string[]
  /** The fleet-wide lease (Backend.lease): true for the one process that samples an interval. */
  lease (name: string, ms: number): Promise<boolean>
  snapshot (vendor: string): Promise<QueueSample>
  intervalMs: number
  windowMs?: number
  now?: () => number
  /** A flush or a sample that failed (Redis down): the chart has a gap, nothing else does. */
  onError? (err: unknown): void
}

export interface HistorySampler {
  /** One call this process made to the vendor: a counter, nothing more. */
  called (vendor: string): void
  /**
   * Adds this process's counted calls to the store, and samples every vendor's queue when this process
   * is the first of the fleet to ask in this interval. Run it a few times per interval.
   */
  tick (): Promise<void>
  /** The vendor's intervals in the window, oldest first, up to the last one whose calls every process has told. */
  read (vendor: string): Promise<HistoryPoint[]>
  /** How often `tick` should run: each process's counts reach the store at most this late. */
  readonly tickMs: number
}

const add = (into: Map<number, number>, at: number, n: number): void => { into.set(at, (into.get(at) ?? 0) + n) }

export function historySampler (opts: SamplerOptions): HistorySampler {
  const { store, intervalMs } = opts
  const windowMs = opts.windowMs ?? HISTORY_WINDOW_MS
  const now = opts.now ?? Date.now
  const tickMs = Math.max(10, Math.floor(intervalMs / 5))
  const start = (t: number): number => t - (t % intervalMs)
  let counts = new Map<string, Map<number, number>>()
  let sampled: number | undefined
  const countsOf = (vendor: string): Map<number, number> => {
    const found = counts.get(vendor)
    if (found !== undefined) return found
    const byInterval = new Map<number, number>()
    counts.set(vendor, byInterval)
    return byInterval
  }

  const flush = async (): Promise<void> => {
    const taken = counts
    counts = new Map()
    await Promise.all([...taken].map(async ([vendor, byInterval]) => {
      try {
        await store.addCalls(vendor, byInterval, windowMs + intervalMs)
      } catch (err) {
        // Counted again at the next tick, unless it has left the window by then.
        const from = start(now() - windowMs)
        for (const [at, n] of byInterval) if (at >= from) add(countsOf(vendor), at, n)
        opts.onError?.(err)
      }
    }))
  }

  const sample = async (): Promise<void> => {
    const at = start(now())
    if (sampled === at) return
    sampled = at
    // One lease per interval: whichever process asks first samples it, and the others need not ask again in it.
    if (!await opts.lease(`history:${at}`, 2 * intervalMs)) return
    await Promise.all(opts.vendors.map(async (vendor) => store.addSample(vendor, at, await opts.snapshot(vendor), windowMs + intervalMs)))
  }

  return {
    tickMs,
    called (vendor) {
      add(countsOf(vendor), start(now()), 1)
    },
    async tick () {
      await flush()
      try {
        await sample()
      } catch (err) {
        opts.onError?.(err)
      }
    },
    async read (vendor) {
      const t = now()
      // An interval is shown once every process has had a tick after it ended (and a little for the write).
      const last = start(t - 2 * tickMs) - intervalMs
      const from = start(t - windowMs)
      const record = await store.read(vendor, from)
      const known = [...record.calls.keys(), ...record.samples.keys()].filter((at) => at >= from && at <= last)
      if (known.length === 0) return []
      const points: HistoryPoint[] = []
      for (let at = Math.min(...known); at <= last; at += intervalMs) {
        const queue = record.samples.get(at)
        points.push({ at, calls: record.calls.get(at) ?? 0, ...(queue === undefined ? {} : { queue }) })
      }
      return points
    }
  }
}
