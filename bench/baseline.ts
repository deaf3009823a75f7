/**
 * The baseline: a bare Fastify server, what the framework alone does on this machine. POST /jobs parses
 * the same JSON and answers 202 with a random UUID; GET /jobs/:id answers a small JSON object the size
 * of a pending job's view. Run as its own process by the bench (PORT, HOST).
 */
import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'

const app = Fastify({ logger: false })

app.post('/jobs', async (request, reply) => {
  const body = request.body as { vendor?: unknown }
  if (typeof body?.vendor !== 'string') return reply.code(400).send({ error: 'vendor required' })
  const id = randomUUID()
  return reply.code(202).header('location', `/jobs/${id}`).send({ request_id: id })
})

app.get('/jobs/:id', async (request) => {
  const { id } = request.params as { id: string }
  const now = new Date().toISOString()
  return { request_id: id, status: 'pending', vendor: 'syncVendor', created_at: now, updated_at: now, attempts: 0 }
})

app.get('/health', async () => ({ status: 'ok' }))

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
}

await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' })
