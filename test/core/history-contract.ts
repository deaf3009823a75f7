import { test } from 'tap'
import { HISTORY_WINDOW_MS, type HistoryStore, historySampler, type QueueSample } from '../../core/history.js'
import type { Teardown } from '../redis-server.js'

// The history sampler's rule over each backend's store, as a fleet of two processes would run it.

const INTERVAL = 1000
/** A round start, so that the intervals' starts read plainly. */
const T0 = 1_800_000_000_000

export interface Fleet {
  store: HistoryStore
  /** One process's lease, as Backend.lease: true for the first to ask for a name until it expires. */
  lease (process: number): (name: string, ms: number) => Promise<boolean>
}

/** A process's sampler over the fleet's store at a clock the test moves; `snapshots` counts the queue reads of every process. */
function processOf (fleet: Fleet, i: number, clock: { now: number }, snapshots: string[], queue: QueueSample = { ready: 7, delayed: 2, inFlight: 1 }) {
  return historySampler({
    store: fleet.store,
    vendors: ['v', 'w'],
    lease: fleet.lease(i),
    snapshot: async (vendor) => { snapshots.push(`${i}:${vendor}`); return queue },
    intervalMs: INTERVAL,
    now: () => clock.now
  })
}

/** `mode`'s store and lease, as the fleet's processes share them. */
export function historyContract (mode: string, skip: string | false, fleetOf: (t: Teardown) => Promise<Fleet>): void {
  test(`${mode}: calls of every process add up in the interval they were made in, shown once the interval is over`, { skip }, async (t) => {
    const fleet = await fleetOf(t)
    const clock = { now: T0 + 100 }
    const snapshots: string[] = []
    const [a, b] = [processOf(fleet, 0, clock, snapshots), processOf(fleet, 1, clock, snapshots)]
    for (let i = 0; i < 3; i++) a.called('v')
    b.called('v')
    b.called('w')
    clock.now = T0 + 1100
    a.called('v')
    await Promise.all([a.tick(), b.tick()])
    t.same(await a.read('v'), [], 'the first interval is not shown while the processes may still tell it')
    clock.now = T0 + 2000 + 2 * a.tickMs
    const v = await b.read('v')
    t.same(v.map((p) => [p.at, p.calls]), [[T0, 4], [T0 + 1000, 1]], 'both processes\' calls, each in its interval, read by either')
    t.same((await a.read('w')).map((p) => p.calls), [1, 0], 'an interval without calls shows 0')
    t.same(await a.read('x'), [], 'a vendor with nothing counted has no points')
  })

  test(`${mode}: the queue is sampled once per interval for the whole fleet, by the first process that ticks in it`, { skip }, async (t) => {
    const fleet = await fleetOf(t)
    const clock = { now: T0 + 10 }
    const snapshots: string[] = []
    const [a, b] = [processOf(fleet, 0, clock, snapshots), processOf(fleet, 1, clock, snapshots)]
    await b.tick()
    await a.tick()
    await b.tick()
    t.same(snapshots.sort(), ['1:v', '1:w'], 'one process read each vendor\'s queue, once')
    clock.now = T0 + 1500
    await a.tick()
    await b.tick()
    t.same(snapshots.sort(), ['0:v', '0:w', '1:v', '1:w'], 'the next interval is sampled again, once')
    clock.now = T0 + 3000
    const points = await a.read('v')
    t.same(points.map((p) => [p.at, p.calls, p.queue]), [[T0, 0, { ready: 7, delayed: 2, inFlight: 1 }], [T0 + 1000, 0, { ready: 7, delayed: 2, inFlight: 1 }]])
  })

  test(`${mode}: what is older than the window goes at the next sample and is never shown`, { skip }, async (t) => {
    const fleet = await fleetOf(t)
    const clock = { now: T0 }
    const a = processOf(fleet, 0, clock, [])
    a.called('v')
    await a.tick()
    clock.now = T0 + HISTORY_WINDOW_MS + 5 * INTERVAL
    a.called('v')
    a.called('v')
    await a.tick()
    const raw = await fleet.store.read('v', 0)
    t.same([...raw.calls.keys()], [T0 + HISTORY_WINDOW_MS + 5 * INTERVAL], 'the old interval was dropped from the store')
    t.equal(raw.samples.size, 1)
    clock.now += 2 * INTERVAL
    const points = await a.read('v')
    t.same(points.map((p) => p.calls), [2])
  })
}
