import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsync } from 'fastify'
import { projectRoot } from '../core/project-root.js'

const DIR = join(projectRoot(import.meta.url), 'routes', 'dashboard')
const FILES = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'charts.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8'
} as const

/**
 * The charts' library, served by the service itself from its own node_modules (no CDN, so the policy
 * below stays 'self'): Chart.js's browser build, which its package exports no path to, sits beside the
 * module entry it does export.
 */
const CHART_JS = join(dirname(fileURLToPath(import.meta.resolve('chart.js'))), 'chart.umd.min.js')

/** The page shows only what the API answers, inserted as text: nothing but this origin's own files may run. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** GET /dashboard: one page of plain HTML and a small script, read once at start; no build step. */
const dashboardRoutes: FastifyPluginAsync = async (app) => {
  const page = readFileSync(join(DIR, 'index.html'), 'utf8')
  const assets = [
    ...Object.entries(FILES).map(([name, type]) => ({ name, type, body: readFileSync(join(DIR, name), 'utf8') })),
    // Its source map is not served: the comment naming it would only send a browser's developer tools to a 404.
    { name: 'chart.umd.min.js', type: 'text/javascript; charset=utf-8', body: readFileSync(CHART_JS, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n') }
  ]
  app.get('/dashboard', {
    schema: {
      tags: ['operations'],
      summary: 'A page over /vendors, /jobs and /teams: vendor state, charts of each vendor\'s calls per second against its limit and its queue over 15 minutes, each team\'s spend against its budget, teams, recent jobs and failures, a job\'s detail; every team\'s, and pause and resume, with the admin token',
      response: { 200: { description: 'the page', content: { 'text/html': { schema: { type: 'string' } } } } }
    }
  }, async (_request, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).send(page))
  for (const asset of assets) {
    app.get(`/dashboard/${asset.name}`, { schema: { hide: true } }, async (_request, reply) => reply.type(asset.type).send(asset.body))
  }
}

export default dashboardRoutes
