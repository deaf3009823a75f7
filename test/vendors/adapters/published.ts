import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { freePort, type TestContext, waitFor } from '../../helper.js'

const PRISM = createRequire(import.meta.url).resolve('@stoplight/prism-cli/dist/index.js')

/** One exchange as it crossed the wire between the service and the vendor. */
export interface Exchange {
  method: string
  url: string
  headers: IncomingHttpHeaders
  /** The request body's bytes, exactly as they arrived. */
  raw: Buffer
  status: number
  /** Prism's findings about the request, from its `sl-violations` header or its error answer; empty when it found none. */
  violations: Array<{ location: string[], message: string }>
}

/**
 * Stoplight Prism mocking a vendor's published OpenAPI document (test/fixtures/openapi), as its own process on
 * 127.0.0.1, with request validation on (`--errors`: a request that breaks the document is answered 4xx with
 * what it broke), behind a recording proxy that keeps each request's bytes and Prism's verdict on it.
 */
export async function startPublishedVendor (t: TestContext, document: 'stripe' | 'twilio' | 'github'): Promise<{ url: string, exchanges: Exchange[] }> {
  const port = await freePort()
  const file = fileURLToPath(new URL(`../../fixtures/openapi/${document}.json`, import.meta.url))
  const prism: ChildProcess = spawn(process.execPath, [PRISM, 'mock', '-h', '127.0.0.1', '-p', String(port), '--errors', file], {
    env: { PATH: process.env.PATH ?? '', SCARF_ANALYTICS: 'false' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  prism.stdout?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000) })
  prism.stderr?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000) })
  t.teardown(async () => {
    if (prism.exitCode !== null) return
    const exited = once(prism, 'exit')
    prism.kill()
    await exited
  })
  const prismUrl = `http://127.0.0.1:${port}`
  await waitFor(async () => {
    if (prism.exitCode !== null) throw new Error(`prism exited:\n${output}`)
    return /Prism is listening/.test(output) ? true : undefined
  }, 60_000, `prism mocking ${document}`)

  const exchanges: Exchange[] = []
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', async () => {
      const raw = Buffer.concat(chunks)
      const { host: _host, connection: _connection, ...headers } = req.headers
      const answer = await request(`${prismUrl}${req.url}`, { method: req.method as 'GET', headers, body: raw.length === 0 ? undefined : raw })
      const body = await answer.body.text()
      exchanges.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, status: answer.statusCode, violations: violations(answer.headers['sl-violations'], body) })
      res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') }).end(body)
    })
  })
  proxy.listen(0, '127.0.0.1')
  await once(proxy, 'listening')
  t.teardown(() => new Promise((resolve) => proxy.close(resolve)))
  return { url: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`, exchanges }
}

/** Prism tells what a request broke in a header, or with `--errors` in its problem answer's `validation`. */
function violations (header: string | string[] | undefined, body: string): Exchange['violations'] {
  const found: Exchange['violations'] = typeof header === 'string' ? JSON.parse(header) : []
  try {
    const problem = JSON.parse(body) as { type?: unknown, validation?: Exchange['violations'] }
    if (typeof problem.type === 'string' && problem.type.includes('stoplight.io/prism/errors')) found.push(...problem.validation ?? [{ location: ['request'], message: String(body) }])
  } catch {
    // Not JSON: no problem answer of Prism's.
  }
  return found
}
