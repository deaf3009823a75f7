import { readFileSync } from 'node:fs'
import { Validator } from '@seriousme/openapi-schema-validator'
import { test } from 'tap'
import { parse } from 'yaml'
import { CLIENT_TYPES_FILE, renderClientTypes } from '../openapi.js'
import { buildTestApp, testConfig } from './helper.js'

const committed = readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8')

test('the committed openapi.yaml is what the app serves (run npm run openapi after changing the contract)', async (t) => {
  const app = await buildTestApp(t, testConfig({ WORKER: 'off' }))
  const served = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  t.same(parse(committed), served)
})

test('openapi.yaml is a valid OpenAPI 3.1 document', async (t) => {
  const validator = new Validator()
  const result = await validator.validate(parse(committed))
  t.same(result.errors ?? [], [])
  t.ok(result.valid)
  t.equal(validator.version, '3.1')
})

test('the spec documents every route with its error replies', async (t) => {
  const spec = parse(committed)
  t.same(Object.keys(spec.paths).sort(), ['/batches/{id}', '/dashboard', '/health', '/jobs', '/jobs/batch', '/jobs/retry', '/jobs/{id}', '/jobs/{id}/notify',
    '/jobs/{id}/retry', '/metrics', '/teams', '/teams/me', '/teams/{name}', '/vendor-webhook/{vendor}', '/vendors', '/vendors/{name}', '/vendors/{name}/history', '/vendors/{name}/pause',
    '/vendors/{name}/resume'])
  t.same(Object.keys(spec.paths['/jobs/{id}'].get.responses).sort(), ['200', '400', '401', '404', '414', '503'])
  t.same(Object.keys(spec.paths['/jobs/{id}/retry'].post.responses).sort(), ['202', '400', '401', '404', '409', '413', '414', '415', '503'])
  t.same(Object.keys(spec.paths['/jobs'].post.responses).sort(), ['200', '202', '400', '401', '402', '403', '409', '413', '415', '422', '429', '503'])
  t.match(spec.paths['/jobs'].post.parameters, [{ in: 'header', name: 'idempotency-key', required: false, schema: { maxLength: 255 } }])
  t.same(Object.keys(spec.paths['/vendor-webhook/{vendor}'].post.responses).sort(), ['200', '400', '401', '404', '409', '413', '414', '415', '503'])
  t.same(Object.keys(spec.paths['/jobs'].get.responses).sort(), ['200', '400', '401', '403', '404', '503'])
  t.same(Object.keys(spec.paths['/jobs/batch'].post.responses).sort(), ['200', '202', '400', '401', '403', '409', '413', '415', '422', '429', '503'])
  t.same(Object.keys(spec.paths['/batches/{id}'].get.responses).sort(), ['200', '400', '401', '404', '414', '503'])
  t.same(Object.keys(spec.paths['/jobs/{id}/notify'].post.responses).sort(), ['202', '400', '401', '404', '409', '413', '414', '415', '503'])
  t.match(spec.paths['/jobs/{id}'].get.parameters, [{ in: 'query', name: 'wait', schema: { minimum: 1, maximum: 60 } }, { in: 'path', name: 'id' }])
  // A generated client knows the completion webhooks' body.
  for (const event of ['job.complete', 'job.failed']) {
    t.same(spec.webhooks[event].post.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/NotifyEvent' })
  }
  t.match(spec.components.schemas.NotifyEvent.properties, { type: { enum: ['job.complete', 'job.failed'] }, data: { $ref: '#/components/schemas/JobReply' } })
  // Swagger UI's Authorize button and generated clients read these: a team's key on every job route, the admin token on the reads.
  t.same(spec.paths['/jobs'].post.security, [{ teamKey: [] }])
  t.same(spec.paths['/jobs/batch'].post.security, [{ teamKey: [] }])
  for (const read of [spec.paths['/jobs/{id}'].get, spec.paths['/jobs'].get, spec.paths['/jobs/{id}/retry'].post, spec.paths['/teams/me'].get, spec.paths['/batches/{id}'].get,
    spec.paths['/jobs/{id}/notify'].post]) {
    t.same(read.security, [{ teamKey: [] }, { adminToken: [] }])
    t.ok(read.responses['401'], 'and answer 401 without a key')
  }
  t.same(spec.components.securitySchemes.teamKey, { type: 'http', scheme: 'bearer', description: spec.components.securitySchemes.teamKey.description })
  for (const admin of [spec.paths['/vendors/{name}/pause'].post, spec.paths['/vendors/{name}/resume'].post, spec.paths['/jobs/retry'].post, spec.paths['/teams'].get,
    spec.paths['/teams/{name}'].get]) {
    t.same(admin.security, [{ adminToken: [] }], 'admin routes name the bearer token')
    t.ok(admin.responses['401'] && admin.responses['404'])
  }
  t.same(spec.components.securitySchemes.adminToken, { type: 'http', scheme: 'bearer', description: spec.components.securitySchemes.adminToken.description })
  t.ok(spec.components.schemas.ErrorReply, 'errors share one named schema')
})

test('the committed client types are what openapi-typescript generates from openapi.yaml', async (t) => {
  t.equal(readFileSync(CLIENT_TYPES_FILE, 'utf8'), await renderClientTypes(committed))
})

test('Swagger UI is served at /docs', async (t) => {
  const app = await buildTestApp(t, testConfig({ WORKER: 'off' }))
  const res = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(res.statusCode, 200)
  t.match(res.body, /swagger/i)
})
