/**
 * `npm run loadtest [-- --wait]`: the seed's load test against a service that is already running. 200 users
 * for 60 s, each posting a job (sync and async vendors in turn) and polling it until it ends, then the
 * next; with `--wait`, each waits on its job (`GET /jobs/{id}?wait=`) instead of polling it.
 * TARGET_URL (default http://127.0.0.1:3000); LOADTEST_SECONDS to change the length.
 */
import { parseArgs } from 'node:util'
import { CONNECTIONS, mixed } from './load.js'
import { describe } from './scenarios.js'

const { values } = parseArgs({ options: { wait: { type: 'boolean', default: false } } })
const url = (process.env.TARGET_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '')
const seconds = Number(process.env.LOADTEST_SECONDS ?? 60)
if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
  console.error(`LOADTEST_SECONDS must be a whole number of seconds from 1 to 3600, got "${process.env.LOADTEST_SECONDS}"`)
  process.exit(2)
}

const health = await fetch(`${url}/health`).catch((err: Error) => err)
if (health instanceof Error || !health.ok) {
  console.error(`no healthy service at ${url} (start one with npm start, or set TARGET_URL)`)
  process.exit(1)
}

const how = values.wait ? 'waiting on' : 'polling'
console.log(`loadtest: ${CONNECTIONS} users posting and ${how} jobs at ${url} for ${seconds} s`)
const figures = await mixed(url, seconds, 0, { wait: values.wait })
console.log(describe(`post, then ${values.wait ? 'wait' : 'poll'} until done`, figures))
const done = (figures.flowsPerSec ?? 0) * figures.seconds
console.log(`requests per job done: ${done === 0 ? '–' : (figures.requests / done).toFixed(1)}`)
const failed = figures.errors + figures.non2xx
console.log(`error rate: ${((100 * failed) / Math.max(1, figures.requests)).toFixed(2)}% of ${figures.requests} requests`)
process.exit(failed > 0 ? 1 : 0)
