import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { JsonTooDeepError } from './errors.js'
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../core/input/json-depth.js'

/**
 * JSON bodies for every route: Fastify's parser, once a flat scan has refused nesting deeper than
 * MAX_JSON_DEPTH. Its prototype-poisoning check is off because it answers "not valid JSON" for valid
 * JSON: JSON.parse makes `__proto__` a plain own property, and the job rules refuse it by name.
 */
async function jsonBodyPlugin (app: FastifyInstance): Promise<void> {
  const parse = app.getDefaultJsonParser('ignore', 'ignore')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) return done(new JsonTooDeepError(MAX_JSON_DEPTH), undefined)
    parse(request, text, done)
  })
}

export default fp(jsonBodyPlugin, { name: 'json-body', fastify: '5.x' })
