import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

const SANE = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * Fastify's `genReqId`: the caller's `x-request-id` when it is a plain token, so that its logs and ours
 * join up; anything else (a newline, a kilobyte, a JSON fragment) would forge or bloat our log lines,
 * and gets an id of our own.
 */
export function requestId (req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && SANE.test(given) ? given : randomUUID()
}
