import t, { test } from 'tap'
import { createMemoryHistory } from '../../core/backends/memory/history.js'
import { type HistoryStore, historySampler } from '../../core/history.js'
import { redisFor, skipWithoutRedis, type Teardown } from '../redis-server.js'
import { processBackend } from './backends/redis/process-backend.js'
import { type Fleet, historyContract } from './history-contract.js'

const INTERVAL = 1000
const T0 = 1_800_000_000_000

/** Memory: the store of embedded mode, with a lease two processes share (in embedded mode one process always holds it). */
async function memoryFleet (): Promise<Fleet> {
  const held = new Set<string>()
  return { store: createMemoryHistory(), lease: () => async (name) => !held.has(name) && held.add(name) !== undefined }
}

/** Redis: each process its own backend (connection, consumer name) over one prefix, as a fleet. */
async function redisFleet (t: Teardown): Promise<Fleet> {
  const { url, prefix } = await redisFor(t)
  const backends = [await processBackend(t, url, prefix, 'a'), await processBackend(t, url, prefix, 'b')]
  return { store: backends[0]?.history as HistoryStore, lease: (i) => (name, ms) => (backends[i] ?? backends[0])?.lease(name, ms) ?? Promise.resolve(false) }
}

historyContract('memory', false, memoryFleet)
historyContract('redis', skipWithoutRedis(t), redisFleet)

test('a flush that failed keeps its calls for the next tick', async (t) => {
  const store = createMemoryHistory()
  let failing = true
  const flaky: HistoryStore = {
    ...store,
    addCalls: async (vendor, counts, keepMs) => {
      if (failing) throw new Error('Connection is closed.')
      return store.addCalls(vendor, counts, keepMs)
    }
  }
  const errors: unknown[] = []
  const clock = { now: T0 }
  const a = historySampler({ store: flaky, vendors: ['v'], lease: async () => true, snapshot: async () => ({ ready: 0, delayed: 0, inFlight: 0 }), intervalMs: INTERVAL, now: () => clock.now, onError: (err) => errors.push(err) })
  a.called('v')
  a.called('v')
  await a.tick()
  t.equal(errors.length, 1, 'the error is told')
  failing = false
  a.called('v')
  await a.tick()
  clock.now = T0 + 2 * INTERVAL
  t.same((await a.read('v')).map((p) => p.calls), [3])
})
