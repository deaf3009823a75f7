import type { HistoryRecord, HistoryStore } from '../../history.js'

/** Embedded mode's history: this process is the fleet, and its sampler trims at each sample. */
export function createMemoryHistory (): HistoryStore {
  const vendors = new Map<string, HistoryRecord>()
  const of = (vendor: string): HistoryRecord => {
    const record = vendors.get(vendor) ?? { calls: new Map(), samples: new Map() }
    vendors.set(vendor, record)
    return record
  }
  const since = <T>(map: Map<number, T>, from: number): Map<number, T> => new Map([...map].filter(([at]) => at >= from))
  return {
    async addCalls (vendor, counts) {
      const { calls } = of(vendor)
      for (const [at, n] of counts) calls.set(at, (calls.get(at) ?? 0) + n)
    },
    async addSample (vendor, at, sample, keepMs) {
      const record = of(vendor)
      const from = at - keepMs
      record.samples.set(at, sample)
      for (const map of [record.calls, record.samples]) for (const key of map.keys()) if (key < from) map.delete(key)
    },
    async read (vendor, from) {
      const record = vendors.get(vendor)
      return { calls: since(record?.calls ?? new Map<number, number>(), from), samples: since(record?.samples ?? new Map(), from) }
    }
  }
}
