import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { test } from 'tap'
import { request } from 'undici'
import { freePort, SECRET } from '../helper.js'
import { skipWithoutRedis, startRedis } from '../redis-server.js'
import { healthy, startProcess } from './processes.js'

const skip = skipWithoutRedis(t)
const KEY = 'busy-team-key-0123456789'
const OTHER_KEY = 'calm-team-key-0123456789'
const ADMIN_TOKEN = 'admin-token-0123456789ab'
/** 20 jobs in each window of 2 s: 10 a second sustained. */
const INTAKE = { perSecond: 10, burst: 20 }
const WINDOW_MS = 2_000

test('two API processes on one Redis keep a team within its intake in total, and another team is not held back', { skip }, async (t) => {
  const redis = await startRedis(t)
  const teamsFile = join(t.testdir(), 'teams.json')
  writeFileSync(teamsFile, JSON.stringify({
    busy: { keys: [{ env: 'BUSY_KEY' }], intake: INTAKE },
    calm: { keys: [{ env: 'CALM_KEY' }] }
  }))
  const env = { REDIS_URL: redis.url, WORKER: 'off', MOCK_VENDORS: 'off', HOST: '127.0.0.1', ASYNC_VENDOR_SECRET: SECRET, TEAMS_FILE: teamsFile, BUSY_KEY: KEY, CALM_KEY: OTHER_KEY, ADMIN_TOKEN }
  const bases = await Promise.all([0, 1].map(async () => {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    await healthy(startProcess(t, 'server.ts', { ...env, PORT: String(port) }), base)
    return base
  }))
  const post = async (base: string, key: string): Promise<number> => {
    const res = await request(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: '{"vendor":"syncVendor"}' })
    await res.body.dump()
    return res.statusCode
  }

  // Both processes at once, two clients each, for a little over two windows.
  const statuses: number[] = []
  const started = Date.now()
  await Promise.all(bases.flatMap((base) => Array.from({ length: 2 }, async () => {
    while (Date.now() - started < 2.5 * WINDOW_MS) statuses.push(await post(base, KEY))
  })))
  const windows = Math.ceil((Date.now() - started) / WINDOW_MS)
  const accepted = statuses.filter((s) => s === 202).length
  t.ok(accepted >= INTAKE.burst, `${accepted} accepted of ${statuses.length}`)
  t.ok(accepted <= INTAKE.burst * windows, `at most ${INTAKE.burst} in each of the ${windows} windows the run touched`)
  t.same([...new Set(statuses)].sort(), [202, 429], 'the rest were refused with 429')
  t.equal(await post(bases[1] as string, OTHER_KEY), 202, 'a team without intake goes on')

  // What the store holds is what was acknowledged: no refused job was kept.
  let stored = 0
  let cursor: string | undefined
  do {
    const res = await request(`${bases[0]}/jobs?team=busy&limit=100${cursor === undefined ? '' : `&cursor=${cursor}`}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    const page = await res.body.json() as { jobs: unknown[], next_cursor?: string }
    stored += page.jobs.length
    cursor = page.next_cursor
  } while (cursor !== undefined)
  t.equal(stored, accepted, 'the team has exactly the jobs that were accepted')
})
