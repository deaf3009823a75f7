/**
 * `npm run bench [-- --quick] [-- --only a,b] [-- --profile]`: the baseline, the service's HTTP paths,
 * end-to-end throughput, the BullMQ peer and scaling, in one run; see bench/README.md.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { codeState, machine } from './environment.js'
import { summariseProfiles } from './cpuprofile.js'
import { budgetPhase, e2ePhase, mappedPhase } from './e2e.js'
import { fairnessPhase } from './fairness.js'
import { limitsPhase } from './limits.js'
import { teamsPhase } from './teams.js'
import { tellingPhase } from './telling.js'
import { cachePhase } from './results-cache.js'
import { CONNECTIONS } from './load.js'
import { buildService, stopAll } from './processes.js'
import { startRedis } from './redis.js'
import { type Results, write } from './report.js'
import { httpPhase, mixedPhase, type Settings } from './scenarios.js'
import { FLEET_CONCURRENCY, startMocks, startService, WORKER_CALLS } from './stack.js'

const SCENARIOS = ['baseline', 'embedded', 'metrics', 'redis-post', 'redis-get', 'scale-post', 'scale-get', 'mixed', 'e2e-sync', 'bullmq', 'calls', 'e2e-async', 'mapped', 'budget', 'fairness', 'teams', 'limits',
  'batch', 'wait-latency', 'wait-load', 'cache']

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, profile: { type: 'boolean', default: false } }
})
// A name selects itself and the names it prefixes: `--only redis` is redis-post and redis-get.
const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean)
const want = (name: string): boolean => only === undefined || only.some((o) => name === o || name.startsWith(`${o}-`))
const unknown = only?.filter((o) => !SCENARIOS.some((name) => name === o || name.startsWith(`${o}-`))) ?? []
if (unknown.length > 0) {
  console.error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`)
  process.exit(2)
}
const profileDir = values.profile ? mkdtempSync(join(tmpdir(), 'vfs-bench-profiles-')) : undefined

const settings: Settings = values.quick
  ? {
      seconds: 3, rounds: 1, warmupSeconds: 1, mixedSeconds: 4, getIds: 1_000, syncJobs: 2_000, asyncJobs: 1_000, warmJobs: 1_000, scaleJobs: 10_000,
      countJobs: 2_000, flowRate: 100, flowSeconds: 3, backlog: 2_000
    }
  : {
      seconds: 5, rounds: 3, warmupSeconds: 3, mixedSeconds: 15, getIds: 10_000, syncJobs: 30_000, asyncJobs: 10_000, warmJobs: 5_000, scaleJobs: 1_000_000,
      countJobs: 2_000, flowRate: 100, flowSeconds: 10, backlog: 10_000
    }
if (profileDir !== undefined) settings.profileDir = profileDir

const began = Date.now()
/** A phase's heading, with the seconds since the start: where a run's time goes. */
const phase = (text: string): void => console.log(`${text} [${Math.round((Date.now() - began) / 1000)} s]`)

async function main (): Promise<Results> {
  const startedAt = new Date().toISOString()
  const redis = await startRedis('service redis')
  const res: Results = {
    startedAt,
    mode: values.quick ? 'quick' : 'full',
    ...(only === undefined ? {} : { only }),
    code: codeState(),
    machine: machine(redis.version),
    settings: {
      ...settings,
      connections: CONNECTIONS,
      workerCalls: WORKER_CALLS,
      fleetConcurrency: FLEET_CONCURRENCY,
      processes: 'each API, worker and the baseline its own process (the service built by tsc and run from dist/ as its npm script runs it, node flags included, the baseline with `node --import tsx`), LOG_LEVEL=warn; mock vendors one process; autocannon in the bench process'
    },
    http: {},
    e2e: {},
    calls: {}
  }
  console.log(`bench (${res.mode}) on ${res.machine.cpu}, ${res.machine.cores} cores, Node ${res.machine.node}, Redis ${redis.version}`)
  buildService()
  const mocks = await startMocks()
  const usesApi = ['redis-post', 'redis-get', 'mixed', 'e2e-sync', 'calls', 'e2e-async', 'mapped', 'budget', 'fairness', 'teams', 'limits', 'batch', 'wait-latency', 'wait-load', 'cache'].some(want)
  const api = usesApi ? await startService('api redis', mocks, { redisUrl: redis.url, profileDir }) : undefined
  try {
    phase('HTTP: baseline, embedded, redis at 0 jobs and at scale, in interleaved rounds')
    const { http, memory } = await httpPhase(mocks, redis, api, settings, want)
    res.http = http
    if (memory !== undefined) res.memory = memory
    if (api !== undefined && want('mixed')) {
      phase('mixed: post, then poll until done')
      res.http.mixed = await mixedPhase(redis, api, settings)
    }
    if (['e2e-sync', 'bullmq', 'calls', 'e2e-async'].some(want)) {
      phase('end to end: the service and BullMQ in interleaved rounds, Redis calls counted per side, then the async vendor')
      const { e2e, calls } = await e2ePhase(redis, api, mocks, settings, want)
      res.e2e = e2e
      res.calls = calls
    }
    if (api !== undefined && want('mapped')) {
      phase('mapped vendors: the default protocol, a mapped vendor on the sync mock and directoryVendor, 1 worker, in interleaved rounds')
      Object.assign(res.e2e, await mappedPhase(redis, api, mocks, settings))
    }
    if (api !== undefined && want('budget')) {
      phase('budget: syncVendor without a cost and budgetedVendor with one, against a team budget, 1 worker, in interleaved rounds')
      Object.assign(res.e2e, await budgetPhase(redis, api, mocks, settings))
    }
    if (api !== undefined && want('fairness')) {
      phase('fairness: a flowing vendor\'s jobs, alone, then beside a deep backlog on a limited vendor')
      res.fairness = await fairnessPhase(redis, api, settings)
    }
    if (api !== undefined && want('teams')) {
      phase('teams: one team against a hundred, a small team beside a large one\'s backlog, the split by weight')
      res.teams = await teamsPhase(redis, api, mocks, settings)
    }
    if (api !== undefined && want('limits')) {
      phase('limits: the delivered rate of a vendor with a burst of 1 and of 5, and the busiest second at the mock')
      res.limits = await limitsPhase(redis, api, mocks, settings)
    }
    if (api !== undefined && ['batch', 'wait-latency', 'wait-load'].some(want)) {
      phase('telling the client: batch intake against single POSTs, long-poll wake-up, the load test waiting instead of polling')
      res.telling = await tellingPhase(redis, api, settings, want)
    }
    if (api !== undefined && want('cache')) {
      phase('result cache: POST to complete with a key never seen and with a kept result, then identical jobs at once')
      res.cache = await cachePhase(api, mocks)
    }
  } finally {
    await api?.api.stop()
  }
  if (codeState().diffDigest !== res.code.diffDigest) {
    res.code.changedDuringRun = true
    console.warn('warning: the service\'s code changed while the bench ran; processes started at different times ran different code')
  }
  return res
}

let code = 0
try {
  const res = await main()
  const md = write(res)
  phase('done')
  console.log(`\n${md}`)
  console.log(`written to bench/results/: a timestamped JSON file${only === undefined && !values.quick ? ', latest.json and latest.md' : ' (a quick or partial run leaves latest.* alone)'}`)
} catch (err) {
  console.error(`bench failed: ${(err as Error).stack ?? err}`)
  code = 1
} finally {
  await stopAll()
}
if (profileDir !== undefined) console.log(summariseProfiles(profileDir))
process.exit(code)
