import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Calls } from './calls.js'
import type { CodeState, Machine } from './environment.js'
import type { Fairness } from './fairness.js'
import type { Delivered } from './limits.js'
import type { TeamsBench } from './teams.js'
import type { Telling } from './telling.js'
import { type CacheBench, cacheRows } from './results-cache.js'
import type { Figures } from './load.js'
import { ROOT } from './processes.js'
import type { Http, Memory, Settings } from './scenarios.js'
import type { Rounds, Throughput } from './throughput.js'

export interface Results {
  startedAt: string
  mode: 'quick' | 'full'
  /** Set when `--only` chose some scenarios: such a run leaves latest.* alone. */
  only?: string[]
  code: CodeState & { changedDuringRun?: boolean }
  machine: Machine
  settings: Settings & { connections: number, workerCalls: number, fleetConcurrency: number, processes: string }
  http: Http
  e2e: Record<string, Rounds<Throughput>>
  /** Redis calls per completed job, 1 worker: `service` and `bullmq`. */
  calls: Record<string, Calls>
  fairness?: Fairness
  teams?: TeamsBench
  limits?: Record<string, Delivered>
  telling?: Telling
  cache?: CacheBench
  memory?: Memory
}

const n = (x: number | undefined, digits = 0): string => x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits)
const ratio = (a: number | undefined, b: number | undefined): number | undefined => a === undefined || b === undefined || b === 0 ? undefined : a / b
const x = (r: number | undefined): string => r === undefined ? '–' : `${r.toFixed(2)}x`
const verdict = (ok: boolean | undefined, why = ''): string => ok === undefined ? '–' : ok ? 'met' : `**missed**${why ? ` (${why})` : ''}`

function httpRow (name: string, f: Figures | undefined, base: string, r: number | undefined, target: string, met: string): string {
  if (f === undefined) return `| ${name} | not run | | | | | | ${base} | | ${target} | |`
  return `| ${name} | ${n(f.reqPerSec)} req/s | ${f.p50} | ${f.p97_5} | ${f.p99} | ${f.errors} | ${f.non2xx} | ${base} | ${x(r)} | ${target} | ${met} |`
}

function e2eRow (name: string, t: Throughput | undefined, base: string, r: number | undefined, target: string, met: string): string {
  if (t === undefined) return `| ${name} | not run | | | | | | ${base} | | ${target} | |`
  return `| ${name} | ${n(t.jobsPerSec)} jobs/s | | | | ${t.failed} failed, ${t.jobs - t.completed - t.failed} unfinished | | ${base} | ${x(r)} | ${target} | ${met} |`
}

/** Worse by more than 10%: fewer req/s, or a p50/p99 above 1.1x plus 1 ms (autocannon's resolution). */
function scaled (f: Figures | undefined, zero: Figures | undefined): string {
  if (f === undefined || zero === undefined) return '–'
  const worse: string[] = []
  if (f.reqPerSec < 0.9 * zero.reqPerSec) worse.push('req/s')
  if (f.p50 > 1.1 * zero.p50 + 1) worse.push('p50')
  if (f.p99 > 1.1 * zero.p99 + 1) worse.push('p99')
  return verdict(worse.length === 0, `${worse.join(', ')} worse by more than 10%`)
}

/** The worker path's target in DESIGN "Dispatch (v2)": about two Redis calls per job; "about" read as at most 2.5. */
const WORKER_PATH_TARGET = 2.5
/** Fairness: the flowing vendor's p99 beside the backlog within this multiple of its unloaded p99. */
const FAIRNESS_P99 = 3

function callRows (ours: Calls | undefined, peer: Calls | undefined): string[] {
  const row = (what: string, pick: (c: Calls) => number, digits: number, target = '', met = ''): string => {
    const o = ours === undefined ? undefined : pick(ours)
    const p = peer === undefined ? undefined : pick(peer)
    return `| ${what} | ${o === undefined ? 'not run' : `${n(o, digits)} calls/job`} | | | | | | ${p === undefined ? 'BullMQ: not run' : `BullMQ: ${n(p, digits)}`} | ${x(ratio(o, p))} | ${target} | ${met} |`
  }
  const path = ours?.workerPath
  return [
    row('Redis calls per job, worker path (client commands), 1 worker', (c) => c.workerPath, 2,
      `about 2 (≤ ${WORKER_PATH_TARGET})`, verdict(path === undefined ? undefined : path <= WORKER_PATH_TARGET)),
    row('Redis calls per job, producer (client commands)', (c) => c.producer, 2),
    row('Redis calls per job, producer + worker path', (c) => c.total, 2),
    row('Redis commands per job, INFO commandstats (script-internal included)', (c) => c.commandstats, 1)
  ]
}

function breakdown (who: string, c: Calls | undefined): string[] {
  if (c === undefined) return []
  const list = (r: Record<string, number>): string => Object.entries(r).filter(([, v]) => v >= 0.005).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ') || 'none'
  const inside = Object.entries(c.byCommand.insideScripts ?? {}).slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')
  return [`${who}, per job, ${c.completed.toLocaleString('en-US')} jobs: worker path (${c.connections.workerPath} connections) ${list(c.byCommand.workerPath)};` +
    ` producer ${list(c.byCommand.producer)}; run inside scripts (${c.scriptInternal.toFixed(1)}, the most frequent) ${inside}.`]
}

function fairnessRows (f: Fairness | undefined): string[] {
  if (f === undefined) return ['| fairness: flowing vendor beside a backlog on a limited vendor | not run | | | | | | | | | |']
  const lat = (what: string, l: Fairness['unloaded'], base: string, r: number | undefined, target: string, met: string): string =>
    `| ${what} | ${n(f.flowRate)} jobs/s posted | ${n(l.p50)} | ${n(l.p97_5)} | ${n(l.p99)} | ${l.jobs - l.completed} unfinished (max ${n(l.max)} ms) | | ${base} | ${x(r)} | ${target} | ${met} |`
  const p99 = ratio(f.loaded.p99, f.unloaded.p99)
  const delivered = ratio(f.limitedDelivered, f.limitedRate)
  const backlog = f.backlog.toLocaleString('en-US')
  return [
    lat('fairness: flowing vendor alone, POST to complete, 1 worker', f.unloaded, '', undefined, '', ''),
    lat(`fairness: flowing vendor beside ${backlog} jobs queued on a vendor limited to ${f.limitedRate}/s`, f.loaded, 'alone, p99', p99,
      `p99 ≤ ${FAIRNESS_P99}x alone`, verdict(p99 === undefined ? undefined : p99 <= FAIRNESS_P99 && f.loaded.completed === f.loaded.jobs)),
    `| fairness: the limited vendor's delivered rate meanwhile | ${n(f.limitedDelivered, 1)} jobs/s | | | | ${f.limitedLeft.toLocaleString('en-US')} still queued | | its limit, ${f.limitedRate}/s | ${x(delivered)} | 0.8x to 1.1x | ${verdict(delivered === undefined ? undefined : delivered >= 0.8 && delivered <= 1.1)} |`
  ]
}

function teamsRows (t: TeamsBench | undefined): string[] {
  if (t === undefined) return ['| teams | not run | | | | | | | | | |']
  const r = ratio(t.hundredTeams.jobsPerSec, t.oneTeam.jobsPerSec)
  return [
    e2eRow('e2e sync vendor, 1 worker, every job of one team (open mode is one team)', t.oneTeam, '', undefined, '', ''),
    e2eRow('e2e sync vendor, 1 worker, jobs spread over 100 teams', t.hundredTeams, 'one team, same rounds', r, '≥ 0.9x', verdict(r === undefined ? undefined : r >= 0.9)),
    `| teams: a small team's jobs (2/s) beside ${t.small.backlog.toLocaleString('en-US')} of a large team's on a vendor limited to 20/s, submission to complete | ${t.small.completed}/${t.small.jobs} complete | ${n(t.small.p50)} | | ${n(t.small.p99)} | max ${n(t.small.max)} ms | | | | p99 about one fair interval (≤ 1 s), not the backlog's length | ${verdict(t.small.p99 <= 1000 && t.small.completed === t.small.jobs)} |`,
    `| teams: two backlogged teams of weights 3 and 1 on the limited vendor, the heavier team's share | ${n(100 * t.split.share, 1)}% of ${t.split.calls} calls | | | | | | 75% | | within 10 points | ${verdict(Math.abs(t.split.share - 0.75) <= 0.1)} |`
  ]
}

function limitsRows (l: Record<string, Delivered> | undefined): string[] {
  if (l === undefined) return ['| limits at the vendor | not run | | | | | | | | | |']
  return Object.entries(l).map(([vendor, d]) => {
    const r = ratio(d.delivered, d.perSecond)
    return `| limits: ${vendor}, ${d.perSecond}/s with a burst of ${d.burst}, 2 workers, delivered over a backlog | ${n(d.delivered, 2)} calls/s | | | | busiest second at the mock: ${d.busiestSecond} (allowed ${d.allowed}) | | its declared rate | ${x(r)} | ≥ 0.95x, busiest second ≤ allowed | ${verdict(r === undefined ? undefined : r >= 0.95 && d.busiestSecond <= d.allowed)} |`
  })
}

/** Issue #17's targets: a batch takes jobs at least this many times faster than single POSTs, and a long poll wakes within this many ms. */
const BATCH_TARGET = 5
const WAKE_P99_MS = 100

function tellingRows (t: Telling | undefined): string[] {
  const rows: string[] = []
  const intake = t?.intake
  if (intake === undefined) rows.push('| batch intake | not run | | | | | | | | | |')
  else {
    const single = intake.single.reqPerSec
    const batch = intake.batch.reqPerSec * intake.batchSize
    const r = ratio(batch, single)
    rows.push(
      httpRow('POST /jobs, redis, no worker: jobs acknowledged/s (the batch rounds\' peer)', intake.single, '', undefined, '', ''),
      `| POST /jobs/batch of ${intake.batchSize.toLocaleString('en-US')}, redis, ${intake.batchConnections} connections, no worker | ${n(batch)} jobs/s (${n(intake.batch.reqPerSec, 1)} batches/s) | ${intake.batch.p50} | ${intake.batch.p97_5} | ${intake.batch.p99} | ${intake.batch.errors} | ${intake.batch.non2xx} | single POST /jobs, same rounds | ${x(r)} | ≥ ${BATCH_TARGET}x | ${verdict(r === undefined ? undefined : r >= BATCH_TARGET && intake.batch.non2xx === 0)} |`
    )
  }
  const w = t?.wakeUp
  rows.push(w === undefined
    ? '| long-poll wake-up | not run | | | | | | | | | |'
    : `| long-poll wake-up, redis, API and 1 worker apart: the job's end (its updated_at) to the answer at the client | ${w.samples} jobs | ${n(w.p50)} | | ${n(w.p99)} | max ${n(w.max)} ms | | | | p99 ≤ ${WAKE_P99_MS} ms | ${verdict(w.p99 <= WAKE_P99_MS)} |`)
  const l = t?.load
  if (l === undefined) rows.push('| load test waiting instead of polling | not run | | | | | | | | | |')
  else {
    const jobs = (f: Figures): string => `${n(f.flowsPerSec)} jobs done/s`
    rows.push(
      `| load test (200 users, redis, 1 worker), polling | ${n(l.polling.requestsPerJob, 1)} requests per job done | ${l.polling.p50} | ${l.polling.p97_5} | ${l.polling.p99} | ${l.polling.errors} | ${l.polling.non2xx} | ${jobs(l.polling)} | | | |`,
      `| load test (200 users, redis, 1 worker), waiting (?wait=) | ${n(l.waiting.requestsPerJob, 1)} requests per job done | ${l.waiting.p50} | ${l.waiting.p97_5} | ${l.waiting.p99} | ${l.waiting.errors} | ${l.waiting.non2xx} | polling; ${jobs(l.waiting)} | ${x(ratio(l.waiting.requestsPerJob, l.polling.requestsPerJob))} | fewer requests per job | ${verdict(l.waiting.requestsPerJob < l.polling.requestsPerJob)} |`
    )
  }
  return rows
}

function redisCost (cost: NonNullable<Memory['redisUsecPerCall']>, jobs: string): string {
  const pair = (cmd: string): string => `${cmd.toUpperCase()} ${n(cost.zero[cmd], 2)} → ${n(cost.scaled[cmd], 2)}`
  return `Redis CPU per call during the rounds, µs, at 0 → ${jobs} stored: ${pair('evalsha')} (create-job), ${pair('hgetall')} (GET).`
}

function table (res: Results): string {
  const { http: h, e2e: e, memory } = res
  const m = res.machine
  const postRatio = ratio(h.redisPost?.reqPerSec, h.baselinePost?.reqPerSec)
  const metricsRatio = ratio(h.metricsOnPost?.reqPerSec, h.metricsOffPost?.reqPerSec)
  const postOk = h.redisPost === undefined || postRatio === undefined
    ? undefined
    : postRatio >= 0.5 && h.redisPost.errors === 0 && h.redisPost.non2xx === 0 && h.redisPost.p99 <= 50
  const getTarget = (f: Figures | undefined): [number | undefined, string] => {
    const r = ratio(f?.reqPerSec, h.baselineGet?.reqPerSec)
    return [r, verdict(r === undefined ? undefined : r >= 0.8)]
  }
  // Issue #9: at least 1.0x BullMQ; the goal is 1.5x.
  const e2eTarget = (ours: Throughput | undefined, peer: Throughput | undefined): [number | undefined, string] => {
    const r = ratio(ours?.jobsPerSec, peer?.jobsPerSec)
    return [r, r === undefined ? '–' : r >= 1.5 ? 'met, goal too' : r >= 1.0 ? 'met (goal not yet)' : verdict(false)]
  }
  const [embeddedGetR, embeddedGetMet] = getTarget(h.embeddedGet)
  const [redisGetR, redisGetMet] = getTarget(h.redisGet)
  const [sync1R, sync1Met] = e2eTarget(e.sync1, e.bullmq1)
  const [sync2R, sync2Met] = e2eTarget(e.sync2, e.bullmq2)
  const budgetR = ratio(e.budgeted1?.jobsPerSec, e.unbudgeted1?.jobsPerSec)
  const jobs = res.settings.scaleJobs.toLocaleString('en-US')
  const flows = h.mixed?.flowsPerSec === undefined ? '' : ` (${n(h.mixed.flowsPerSec)} jobs done/s)`
  const rows = [
    '| scenario | throughput | p50 ms | p97.5 ms | p99 ms | errors | non-2xx | compared with | ratio | target | |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |',
    httpRow('baseline POST (bare Fastify)', h.baselinePost, '', undefined, '', ''),
    httpRow('POST /jobs, embedded', h.embeddedPost, 'baseline POST', ratio(h.embeddedPost?.reqPerSec, h.baselinePost?.reqPerSec), '', ''),
    httpRow('POST /jobs, embedded, METRICS=off', h.metricsOffPost, '', undefined, '', ''),
    httpRow('POST /jobs, embedded, METRICS=on', h.metricsOnPost, 'METRICS=off', metricsRatio, '≥ 0.95x (metrics cost < 5%)', verdict(metricsRatio === undefined ? undefined : metricsRatio >= 0.95)),
    httpRow('POST /jobs, redis', h.redisPost, 'baseline POST', postRatio, '≥ 0.5x, 0 errors, p99 ≤ 50 ms', verdict(postOk)),
    httpRow('baseline GET (bare Fastify)', h.baselineGet, '', undefined, '', ''),
    httpRow('GET /jobs/{id}, embedded', h.embeddedGet, 'baseline GET', embeddedGetR, '≥ 0.8x', embeddedGetMet),
    httpRow('GET /jobs/{id}, redis', h.redisGet, 'baseline GET', redisGetR, '≥ 0.8x', redisGetMet),
    httpRow(`mixed: post, then poll until done, redis, 1 worker${flows}`, h.mixed, '', undefined, '', ''),
    e2eRow('e2e sync vendor, redis, 1 worker', e.sync1, 'BullMQ, 1 worker', sync1R, '≥ 1.0x (goal 1.5x)', sync1Met),
    e2eRow('e2e sync vendor, redis, 2 workers', e.sync2, 'BullMQ, 2 workers', sync2R, '≥ 1.0x (goal 1.5x)', sync2Met),
    e2eRow('e2e async vendor + webhook, redis, 1 worker', e.async1, '', undefined, '', ''),
    e2eRow('peer: BullMQ, 1 worker', e.bullmq1, '', undefined, '', ''),
    e2eRow('peer: BullMQ, 2 workers', e.bullmq2, '', undefined, '', ''),
    ...callRows(res.calls?.service, res.calls?.bullmq),
    e2eRow('e2e default protocol (syncVendor), 1 worker, mapped rounds', e.protocol1, '', undefined, '', ''),
    e2eRow('e2e mapped vendor (jsonata + bearer) on the sync mock, 1 worker', e.mapped1, 'default protocol, same rounds', ratio(e.mapped1?.jobsPerSec, e.protocol1?.jobsPerSec), 'reported (#10)', ''),
    e2eRow('e2e directoryVendor (vendors.example.json: GET, query key), 1 worker', e.directory1, 'default protocol, same rounds', ratio(e.directory1?.jobsPerSec, e.protocol1?.jobsPerSec), 'reported (#10)', ''),
    e2eRow('e2e syncVendor, no cost, 1 worker, budget rounds', e.unbudgeted1, '', undefined, '', ''),
    e2eRow('e2e the same vendor with a cost, against a team budget, 1 worker', e.budgeted1, 'no cost, same rounds', budgetR, '≥ 0.95x (budget check ≤ 5%, #16)', verdict(budgetR === undefined ? undefined : budgetR >= 0.95)),
    ...fairnessRows(res.fairness),
    ...teamsRows(res.teams),
    ...limitsRows(res.limits),
    ...tellingRows(res.telling),
    ...cacheRows(res.cache),
    httpRow(`POST /jobs, redis, ${jobs} stored`, h.redisPostScaled, 'POST /jobs, redis, 0', ratio(h.redisPostScaled?.reqPerSec, h.redisPost?.reqPerSec), '≥ 0.9x, p50/p99 ≤ 1.1x', scaled(h.redisPostScaled, h.redisPost)),
    httpRow(`GET /jobs/{id}, redis, ${jobs} stored`, h.redisGetScaled, 'GET /jobs/{id}, redis, 0', ratio(h.redisGetScaled?.reqPerSec, h.redisGet?.reqPerSec), '≥ 0.9x, p50/p99 ≤ 1.1x', scaled(h.redisGetScaled, h.redisGet)),
    `| Redis memory per stored and queued job | ${memory === undefined ? 'not run' : `${n(memory.bytesPerJob)} bytes`} | | | | | | | | | |`
  ]
  const s = res.settings
  return [
    `### Benchmark, ${res.startedAt} (${res.mode})`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}; Redis ${m.redis}; load average at start ${m.loadAverageAtStart.join(' ')}.`,
    `Code: ${res.code.commit}${res.code.changed.length === 0 ? '' : ` with changes to ${res.code.changed.join(', ')} (${res.code.diffDigest})`}` +
      `${res.code.changedDuringRun ? '; **the code changed during the run**' : ''}.`,
    `HTTP: autocannon, ${s.connections} connections; every scenario ${s.rounds} run(s) of ${s.seconds} s, taking turns with the others after a ${s.warmupSeconds} s warm-up each, median shown` +
      ` (mixed: one ${s.mixedSeconds} s run); GETs spread over ${s.getIds.toLocaleString('en-US')} jobs (${jobs} when scaled).`,
    `End to end: warm workers, batches of ${s.syncJobs.toLocaleString('en-US')} sync and ${s.asyncJobs.toLocaleString('en-US')} async jobs after a ${s.warmJobs.toLocaleString('en-US')}-job warm-up,` +
      ` ${s.rounds} round(s) taking turns with BullMQ, median shown; rate limits lifted, ${s.workerCalls} vendor calls in flight per worker process` +
      ` (WORKER_CONCURRENCY; BullMQ's concurrency the same), each vendor's fleet-wide concurrency ${s.fleetConcurrency}, which never binds. Processes: ${s.processes}.`,
    `Redis calls: one more batch of ${s.countJobs.toLocaleString('en-US')} jobs per side, 1 warm worker, with MONITOR open; client commands attributed by connection` +
      ' (the producer\'s; the bench\'s own left out; the rest is the worker path), commands run inside scripts left out; commandstats counts those too.',
    `Fairness: ${s.flowRate} jobs/s posted through the API for ${s.flowSeconds} s, alone, then beside ${s.backlog.toLocaleString('en-US')} jobs queued on the limited vendor; 1 worker.`,
    '',
    ...rows,
    '',
    ...breakdown('Redis calls, ours', res.calls?.service),
    ...breakdown('Redis calls, BullMQ', res.calls?.bullmq),
    ...(res.calls?.service === undefined && res.calls?.bullmq === undefined ? [] : ['']),
    ...(memory?.redisUsecPerCall === undefined ? [] : [redisCost(memory.redisUsecPerCall, jobs), ''])
  ].join('\n')
}

/**
 * Writes `bench/results/<timestamp>-<mode>.json` and, for a full run of every scenario, `latest.json` and
 * `latest.md` (the table); returns the table. A quick run is a smoke test (CI runs one): it leaves latest.* alone.
 */
export function write (res: Results): string {
  const dir = join(ROOT, 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  const md = table(res)
  const json = `${JSON.stringify(res, null, 2)}\n`
  const partial = res.only === undefined ? '' : `-only-${res.only.join('+')}`
  writeFileSync(join(dir, `${res.startedAt.replace(/[:.]/g, '-')}-${res.mode}${partial}.json`), json)
  if (res.only !== undefined || res.mode === 'quick') return md
  writeFileSync(join(dir, 'latest.json'), json)
  writeFileSync(join(dir, 'latest.md'), md)
  return md
}
