/**
 * The peer's worker, as its own process: a BullMQ Worker that calls the same mock sync vendor over HTTP
 * with undici (one Pool, as the service has) and returns the vendor's answer, which BullMQ stores as the
 * job's return value. Settings from BullMQ's docs: `maxRetriesPerRequest: null` on the worker's
 * connection, a concurrency factor of 50 for I/O-bound jobs, completed jobs kept (the service keeps its
 * results too, for 30 days). Env: REDIS_URL, VENDOR_URL, QUEUE, CONCURRENCY.
 */
import { Worker } from 'bullmq'
import { Pool } from 'undici'

const redis = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
const vendor = new URL(process.env.VENDOR_URL ?? 'http://127.0.0.1:3001')
const concurrency = Number(process.env.CONCURRENCY ?? 50)
const pool = new Pool(vendor.origin, { connections: concurrency, headersTimeout: 10_000, bodyTimeout: 10_000 })
const THIRTY_DAYS_S = 30 * 24 * 60 * 60

const worker = new Worker(process.env.QUEUE ?? 'bench', async (job) => {
  const res = await pool.request({
    method: 'POST',
    path: vendor.pathname,
    headers: { 'content-type': 'application/json', 'idempotency-key': String(job.id) },
    body: JSON.stringify({ request_id: job.id, payload: job.data })
  })
  const text = await res.body.text()
  if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`vendor answered ${res.statusCode}: ${text.slice(0, 200)}`)
  return JSON.parse(text) as unknown
}, {
  connection: { host: redis.hostname, port: Number(redis.port), maxRetriesPerRequest: null },
  concurrency,
  removeOnComplete: { age: THIRTY_DAYS_S },
  removeOnFail: { age: THIRTY_DAYS_S }
})

worker.on('error', (err) => console.error(`worker error: ${err.message}`))
worker.on('ready', () => console.log('peer worker ready'))

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    Promise.all([worker.close(), pool.close()]).then(() => process.exit(0), () => process.exit(1))
  })
}
