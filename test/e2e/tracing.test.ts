import { createServer } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { trace } from '@opentelemetry/api'
import { InMemorySpanExporter, NodeTracerProvider, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'
import t, { test } from 'tap'
import { freePort, listenTestApp, SECRET, startMocks, waitFor } from '../helper.js'
import { skipWithoutRedis, startRedis } from '../redis-server.js'
import { healthy, startProcess } from './processes.js'

const skip = skipWithoutRedis(t)

/** A span from either side, in one shape: the API's from the in-memory exporter, the worker's from OTLP/JSON. */
interface Seen {
  side: 'api' | 'worker'
  name: string
  traceId: string
  spanId: string
  parentSpanId?: string
  kind: string
  attributes: Record<string, unknown>
  links: string[]
}

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer']
const fromSdk = (s: ReadableSpan): Seen => ({
  side: 'api',
  name: s.name,
  traceId: s.spanContext().traceId,
  spanId: s.spanContext().spanId,
  ...(s.parentSpanContext === undefined ? {} : { parentSpanId: s.parentSpanContext.spanId }),
  kind: KINDS[s.kind] ?? '?',
  attributes: s.attributes,
  links: s.links.map((l) => l.context.spanId)
})

interface OtlpSpan {
  name: string
  traceId: string
  spanId: string
  parentSpanId?: string
  kind: number
  attributes?: Array<{ key: string, value: Record<string, unknown> }>
}
const fromOtlp = (s: OtlpSpan): Seen => ({
  side: 'worker',
  name: s.name,
  traceId: s.traceId,
  spanId: s.spanId,
  ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
  // OTLP numbers kinds from 1 (internal).
  kind: KINDS[s.kind - 1] ?? '?',
  attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]])),
  links: []
})

test('one job is one trace: the API\'s request and enqueue, the worker\'s wait, delivery and vendor call (another process), and the webhook', { skip }, async (t) => {
  // This process plays the API, its spans kept in memory; the worker is a real process exporting OTLP/HTTP here.
  const exporter = new InMemorySpanExporter()
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  provider.register()
  t.teardown(async () => {
    await provider.shutdown()
    trace.disable()
  })
  const received: OtlpSpan[] = []
  const receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => { body += chunk.toString() })
    req.on('end', () => {
      const request = JSON.parse(body) as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> }
      for (const rs of request.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) received.push(...ss.spans ?? [])
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  const receiverPort = await freePort()
  await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => receiver.close(resolve)))

  const redis = await startRedis(t)
  const mocks = await startMocks(t)
  const { url } = await listenTestApp(t, { REDIS_URL: redis.url, WORKER: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}` }, mocks.vendors)
  const vendorsFile = join(t.testdir(), 'vendors.json')
  writeFileSync(vendorsFile, JSON.stringify(mocks.vendors))
  const workerPort = await freePort()
  const worker = startProcess(t, 'workers/worker.ts', {
    REDIS_URL: redis.url,
    VENDORS_FILE: vendorsFile,
    PUBLIC_URL: url,
    ASYNC_VENDOR_SECRET: SECRET,
    WORKER_PORT: String(workerPort),
    HOST: '127.0.0.1',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`,
    OTEL_BSP_SCHEDULE_DELAY: '50'
  })
  await healthy(worker, `http://127.0.0.1:${workerPort}`)

  const jobs: Array<{ id: string, vendor: string }> = []
  for (const vendor of ['syncVendor', 'asyncVendor']) {
    const res = await fetch(`${url}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vendor, userId: 1 }) })
    jobs.push({ id: ((await res.json()) as { request_id: string }).request_id, vendor })
  }
  for (const { id } of jobs) {
    await waitFor(async () => ((await (await fetch(`${url}/jobs/${id}`)).json()) as { status: string }).status === 'complete' || undefined, 20_000, `job ${id}`)
  }
  const spans = (): Seen[] => [...exporter.getFinishedSpans().map(fromSdk), ...received.map(fromOtlp)]
  // A first call of a fresh worker may have gone back for a new grant once (it could not leave in time): the
  // delivery that called is the one whose job moved on, and it may be exported after the one that went back.
  const called = (vendor: string): string => vendor === 'syncVendor' ? 'complete' : 'processing'
  await waitFor(async () => jobs.every(({ id, vendor }) => spans().some((s) => s.side === 'worker' && s.name === `deliver ${vendor}` && s.attributes['vfs.request_id'] === id && s.attributes['vfs.status'] === called(vendor))) &&
    spans().some((s) => s.name === 'webhook asyncVendor') ? true : undefined, 10_000, 'the worker\'s spans to be exported')

  for (const { id, vendor } of jobs) {
    const all = spans()
    const enqueue = all.find((s) => s.name === `enqueue ${vendor}` && s.attributes['vfs.request_id'] === id)
    if (enqueue === undefined) return t.fail(`no enqueue span for ${vendor}`)
    const inTrace = all.filter((s) => s.traceId === enqueue.traceId)
    const byId = new Map(inTrace.map((s) => [s.spanId, s]))
    const root = inTrace.find((s) => s.parentSpanId === undefined)
    t.match(root, { side: 'api', name: 'request', kind: 'server', attributes: { 'http.route': '/jobs' } }, `${vendor}: the trace starts at POST /jobs`)
    let up: Seen | undefined = enqueue
    while (up?.parentSpanId !== undefined) up = byId.get(up.parentSpanId)
    t.equal(up, root, 'the enqueue span descends from the request')
    t.equal(enqueue.kind, 'producer')

    const deliver = inTrace.find((s) => s.name === `deliver ${vendor}` && s.attributes['vfs.status'] === called(vendor))
    t.match(deliver, { side: 'worker', kind: 'consumer', parentSpanId: enqueue.spanId, attributes: { 'vfs.request_id': id } },
      'the worker\'s delivery is a child of the enqueue, across processes')
    t.match(inTrace.find((s) => s.name === `wait ${vendor}`), { side: 'worker', parentSpanId: enqueue.spanId }, 'the dispatcher\'s wait too')
    t.match(inTrace.find((s) => s.kind === 'client' && s.parentSpanId === deliver?.spanId), { side: 'worker', attributes: { 'http.request.method': 'POST' } },
      'the vendor call is undici\'s client span inside the delivery')
    if (vendor === 'asyncVendor') {
      const webhook = inTrace.find((s) => s.name === 'webhook asyncVendor')
      t.match(webhook, { side: 'api', parentSpanId: enqueue.spanId }, 'the webhook that completed the job joins its trace')
      const linked = all.find((s) => s.spanId === webhook?.links[0])
      const request = all.find((s) => s.traceId === linked?.traceId && s.parentSpanId === undefined)
      t.match(request, { side: 'api', name: 'request', attributes: { 'http.route': '/vendor-webhook/:vendor' } }, 'linked to the webhook\'s own request\'s trace')
    }
  }
})
