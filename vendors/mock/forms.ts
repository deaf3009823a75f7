import type { FastifyInstance } from 'fastify'

/** Form bodies as URLSearchParams, which keep repeated and bracketed names as sent: the mock reads them as a vendor would. */
export function acceptForms (app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, new URLSearchParams(body as string)))
}

/** Whether a listing's page fails now: page `failing` fails once per call key (a retry of it is served), 0 never. */
export function failsOnce (): (key: string, page: number, failing: number) => boolean {
  const failed = new Set<string>()
  return (key, page, failing) => {
    if (failing === 0 || page !== failing || failed.has(key)) return false
    failed.add(key)
    if (failed.size > 100_000) failed.delete(failed.values().next().value as string)
    return true
  }
}
