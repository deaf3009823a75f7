import autocannon from 'autocannon'

/** The seed's load: 200 concurrent users. */
export const CONNECTIONS = 200

const JOB_BODY = JSON.stringify({ vendor: 'syncVendor', type: 'user_data', userId: 123 })
const JSON_HEADERS = { 'content-type': 'application/json' }

export interface Figures {
  reqPerSec: number
  p50: number
  p97_5: number
  p99: number
  errors: number
  non2xx: number
  requests: number
  seconds: number
  /** Mixed scenario only: post-then-poll flows that saw their job end, per second. */
  flowsPerSec?: number
}

export interface LoadOptions {
  url: string
  seconds: number
  /** The seed's 200 unless told. */
  connections?: number
  requests?: autocannon.Request[]
  setupClient? (client: autocannon.Client): void
}

async function cannon (opts: LoadOptions, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: opts.url,
    connections: opts.connections ?? CONNECTIONS,
    duration: seconds,
    timeout: 10,
    ...(opts.requests === undefined ? {} : { requests: opts.requests }),
    ...(opts.setupClient === undefined ? {} : { setupClient: opts.setupClient })
  })
}

/** One autocannon run at the seed's 200 connections. */
export async function load (opts: LoadOptions): Promise<Figures> {
  const r = await cannon(opts, opts.seconds)
  return {
    reqPerSec: r.requests.average,
    p50: r.latency.p50,
    p97_5: r.latency.p97_5,
    p99: r.latency.p99,
    errors: r.errors,
    non2xx: r.non2xx,
    requests: r.requests.total,
    seconds: r.duration
  }
}

export function postJobs (url: string, seconds: number): Promise<Figures> {
  return load({ url, seconds, requests: [{ method: 'POST', path: '/jobs', headers: JSON_HEADERS, body: JOB_BODY }] })
}

/** GETs spread at random over `ids`. */
export function getJobs (url: string, ids: readonly string[], seconds: number): Promise<Figures> {
  if (ids.length === 0) throw new Error('getJobs needs ids')
  const pick = (): string => ids[Math.floor(Math.random() * ids.length)] as string
  return load({
    url,
    seconds,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, method: 'GET', path: `/jobs/${pick()}` }) }]
  })
}

/** How long a waiting user's GET waits for its job (`?wait=`): well within autocannon's timeout of 10 s. */
const WAIT_S = 5

/**
 * Like the seed's k6 test: each connection is a user that posts a job (sync and async vendors in turn),
 * then polls it until it is complete or failed, then posts the next. With `wait`, the user waits on its job
 * (`GET /jobs/{id}?wait=`) instead of polling it.
 */
export async function mixed (url: string, seconds: number, warmupSeconds: number, opts: { wait?: boolean } = {}): Promise<Figures> {
  const read = opts.wait === true ? `?wait=${WAIT_S}` : ''
  let flows = 0
  let counting = false
  let user = 0
  const setupClient = (client: autocannon.Client): void => {
    const vendor = user++ % 2 === 0 ? 'syncVendor' : 'asyncVendor'
    let id: string | undefined
    client.setRequests([{
      setupRequest: (req) => id === undefined
        ? { ...req, method: 'POST', path: '/jobs', headers: JSON_HEADERS, body: JSON.stringify({ vendor, type: 'user_data', userId: 123 }) }
        : { ...req, method: 'GET', path: `/jobs/${id}${read}`, headers: {}, body: '' },
      onResponse: (status, body) => {
        if (status === 202) {
          id = (JSON.parse(body) as { request_id: string }).request_id
        } else if (status !== 200 || /"status":"(complete|failed)"/.test(body)) {
          if (status === 200 && counting) flows++
          id = undefined
        }
      }
    }])
  }
  // A warm-up at the same load (JIT, connection pools) first.
  if (warmupSeconds > 0) await load({ url, seconds: warmupSeconds, setupClient })
  counting = true
  const figures = await load({ url, seconds, setupClient })
  return { ...figures, flowsPerSec: flows / figures.seconds }
}
