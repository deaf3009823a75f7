import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyPluginAsync } from 'fastify'
import { projectRoot } from '../core/project-root.js'

const DIR = join(projectRoot(import.meta.url), 'routes', 'dashboard')
const FILES = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8'
} as const

/** The page shows only what the API answers, inserted as text: nothing but this origin's own files may run. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** GET /dashboard: one page of plain HTML and a small script, read once at start; no build step. */
const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const page = readFileSync(join(DIR, 'index.html'), 'utf8')
  const assets = Object.entries(FILES).map(([name, type]) => ({ name, type, body: readFileSync(join(DIR, name), 'utf8') }))
  app.get('/dashboard', {
    schema: {
      tags: ['operations'],
      summary: 'A page over /vendors and /jobs: vendor state, recent jobs and failures, a job\'s detail; pause and resume with the admin token',
      response: { 200: { description: 'the page', content: { 'text/html': { schema: { type: 'string' } } } } }
    }
  }, async (_request, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).send(page))
  for (const asset of assets) {
    app.get(`/dashboard/${asset.name}`, { schema: { hide: true } }, async (_request, reply) => reply.type(asset.type).send(asset.body))
  }
}

export default dashboardRoutes
