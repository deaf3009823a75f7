import type { FastifyInstance } from 'fastify'
import { failsOnce } from './forms.js'
import { createMockVendor, type MockVendorOptions, seenId } from './vendor.js'

export interface MockIssuesOptions extends MockVendorOptions {
  /** Callers send `Authorization: Bearer <token>`. */
  token: string
  /** Open issues in every repository. */
  issues?: number
}

/**
 * An issue tracker in GitHub's dialect: `GET /repos/<owner>/<repo>/issues?per_page=&page=` a page at a time,
 * the next page named by a `Link` header, and a rate limit told in `X-RateLimit-Remaining` and
 * `X-RateLimit-Reset` (epoch seconds): past it every call is a 403 until the reset, as GitHub answers.
 * `GET /admin/ratelimit` says how many calls came too early, and when the current window resets.
 */
export function buildMockIssuesVendor (opts: MockIssuesOptions): FastifyInstance {
  const { app, faults, stats, admit } = createMockVendor(opts)
  const total = opts.issues ?? 23
  const failed = failsOnce()
  let window = { resetAt: 0, used: 0 }
  let refused = 0

  app.get('/admin/ratelimit', async () => ({ refused, resetAt: window.resetAt, used: window.used }))

  app.get('/repos/:owner/:repo/issues', async (request, reply) => {
    if (request.headers.authorization !== `Bearer ${opts.token}`) return reply.code(401).send({ message: 'Bad credentials' })
    const limit = faults.rateLimit || 5000
    const now = Date.now()
    // A window starts with the first call after the last one ended, and resets on a whole second, as GitHub's does.
    if (now >= window.resetAt) window = { resetAt: Math.ceil((now + (faults.rateWindowS || 3600) * 1000) / 1000) * 1000, used: 0 }
    const headers = { 'x-ratelimit-limit': String(limit), 'x-ratelimit-reset': String(window.resetAt / 1000) }
    const { owner, repo } = request.params as { owner: string, repo: string }
    const query = request.query as Record<string, string>
    const key = seenId(request.headers, `${owner}/${repo}#${query.page ?? 1}`)
    if (window.used >= limit) {
      // Counted as it arrived: a call in a spent window is the one a caller must never make.
      stats.record(key)
      refused++
      return reply.code(403).headers({ ...headers, 'x-ratelimit-remaining': '0' })
        .send({ message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting' })
    }
    window.used++
    reply.headers({ ...headers, 'x-ratelimit-remaining': String(limit - window.used), 'x-ratelimit-used': String(window.used) })
    if (!await admit(key, reply)) return reply
    const perPage = Math.min(100, Number(query.per_page ?? 30))
    const page = Number(query.page ?? 1)
    if (!Number.isInteger(perPage) || perPage < 1 || !Number.isInteger(page) || page < 1) return reply.code(422).send({ message: 'Validation Failed' })
    if (failed(key, page, faults.pageFailOnce)) return reply.code(500).send({ message: 'injected failure of this page' })
    const last = Math.max(1, Math.ceil(total / perPage))
    const link = (n: number) => {
      const params = new URLSearchParams({ ...query, per_page: String(perPage), page: String(n) })
      return `<http://${request.headers.host}/repos/${owner}/${repo}/issues?${params}>`
    }
    const rels = [...page < last ? [`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`] : [], ...page > 1 ? [`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`] : []]
    if (rels.length > 0) reply.header('link', rels.join(', '))
    const first = (page - 1) * perPage + 1
    return Array.from({ length: Math.max(0, Math.min(perPage, total - first + 1)) }, (_, i) => ({
      number: first + i, title: `Issue ${first + i} of ${owner}/${repo}`, state: 'open'
    }))
  })
  return app
}
