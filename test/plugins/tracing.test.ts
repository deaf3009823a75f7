import { createServer } from 'node:http'
import { trace } from '@opentelemetry/api'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'
import { test } from 'tap'
import { request } from 'undici'
import { queryHidden } from '../../plugins/tracing.js'
import { freePort } from '../helper.js'

test('a vendor call\'s span shows its URL without the query, where a vendor\'s key may travel', async (t) => {
  const exporter = new InMemorySpanExporter()
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  provider.register()
  const undici = new UndiciInstrumentation({ startSpanHook: queryHidden })
  t.teardown(async () => {
    undici.disable()
    await provider.shutdown()
    trace.disable()
  })
  const server = createServer((_req, res) => res.end('{}'))
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  await (await request(`http://127.0.0.1:${port}/v1/people?email=a%40b.io&api_key=k-SECRET-42`)).body.dump()
  await (await request(`http://127.0.0.1:${port}/v1/plain`)).body.dump()
  const [withQuery, plain] = exporter.getFinishedSpans()
  t.match(withQuery?.attributes, { 'url.full': `http://127.0.0.1:${port}/v1/people`, 'url.path': '/v1/people', 'url.query': 'REDACTED' })
  t.notMatch(JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes)), /k-SECRET-42/, 'the key is in no span')
  t.match(plain?.attributes, { 'url.full': `http://127.0.0.1:${port}/v1/plain` }, 'a URL without a query as undici\'s instrumentation shows it')
})
