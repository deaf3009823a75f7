import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

/** The part of a tap test that the helpers use. */
export interface TestContext {
  teardown (fn: () => unknown): void
}

export interface Delivery {
  raw: Buffer
  headers: IncomingHttpHeaders
  /** Path and query. */
  url: string
}

/**
 * The service's webhook route stand-in (or any endpoint a test needs to see the bytes of): keeps each
 * request's raw bytes and headers, and answers 200 `{}` unless `answer` says otherwise.
 */
export async function startReceiver (
  t: TestContext,
  answer: (delivery: Delivery) => { status: number, body: string } = () => ({ status: 200, body: '{}' })
): Promise<{ callbackUrl: string, deliveries: Delivery[] }> {
  const deliveries: Delivery[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const delivery = { raw: Buffer.concat(chunks), headers: req.headers, url: req.url ?? '' }
      deliveries.push(delivery)
      const { status, body } = answer(delivery)
      res.writeHead(status, { 'content-type': 'application/json' }).end(body)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise((resolve) => server.close(resolve)).then(() => server.closeAllConnections()))
  const { port } = server.address() as { port: number }
  return { callbackUrl: `http://127.0.0.1:${port}/vendor-webhook/test`, deliveries }
}

/** Waits up to `ms` for `check` to hold. */
export async function until (check: () => boolean | Promise<boolean>, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms
  while (!await check() && Date.now() < end) await sleep(10)
  return check()
}
