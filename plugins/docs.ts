import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { OpenAPIV3_1 } from 'openapi-types'
import { jobTypeComponents } from '../vendors/job-types.js'

type Document = Partial<OpenAPIV3_1.Document>

function withJobTypes (document: Document, types: Record<string, object>): Document {
  const body = document.paths?.['/jobs']?.post?.requestBody as OpenAPIV3_1.RequestBodyObject | undefined
  const content = body?.content['application/json']
  if (Object.keys(types).length === 0 || content?.schema === undefined) return document
  content.schema = { anyOf: [...Object.keys(types).map((name) => ({ $ref: `#/components/schemas/${name}` })), content.schema] }
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...types as Record<string, OpenAPIV3_1.SchemaObject> } }
  return document
}

/** The completion webhooks the service POSTs (OpenAPI 3.1 `webhooks`), so that a generated client has their body's type. */
function withWebhooks (document: Document): Document {
  const header = (name: string, description: string): OpenAPIV3_1.ParameterObject => ({ in: 'header', name, required: true, description, schema: { type: 'string' } })
  const operation = (summary: string): OpenAPIV3_1.PathItemObject => ({
    post: {
      summary,
      description: "POSTed to the job's notify URL (its Notify-Url, or the team's notify.url) once it ends, signed as Standard Webhooks with the team's secret; tried again after each of NOTIFY_RETRY_DELAYS until a 2xx comes back within 10 s, with the same webhook-id",
      parameters: [
        header('webhook-id', 'the same on every try of one end of the job: drop repeats'),
        header('webhook-timestamp', 'unix seconds of this try'),
        header('webhook-signature', 'v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>"> with the secret\'s bytes')
      ],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/NotifyEvent' } } } },
      responses: { '2XX': { description: 'delivered; anything else (or nothing within 10 s) is tried again' } }
    }
  })
  return { ...document, webhooks: { 'job.complete': operation('A job completed'), 'job.failed': operation('A job failed') } }
}

/** The OpenAPI 3.1 document built from the routes' schemas, at /openapi.json, and Swagger UI at /docs. */
async function docsPlugin (app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Multi-vendor data fetch service',
        version: '1.0.0',
        description: 'Queue a job for a vendor, then read its outcome. Async vendors call back through a signed webhook.'
      },
      tags: [
        { name: 'jobs', description: "submit jobs and read their outcome; with TEAMS_FILE each needs a team's key, and a team sees only its own jobs" },
        { name: 'teams', description: 'what each team may use and used' },
        { name: 'webhooks', description: 'callbacks from async vendors' },
        { name: 'health', description: 'readiness' },
        { name: 'operations', description: 'metrics, job listing, vendor state, and admin controls behind ADMIN_TOKEN' }
      ],
      components: {
        securitySchemes: {
          teamKey: { type: 'http', scheme: 'bearer', description: "a team's key (TEAMS_FILE); without TEAMS_FILE (open mode) none is asked and every job is the team default's" },
          adminToken: { type: 'http', scheme: 'bearer', description: "ADMIN_TOKEN: the admin routes, and every team's jobs and teams to read; without it configured the admin routes answer 404" }
        }
      }
    },
    // Vendors that declare job types publish them: the body of POST /jobs is one of them or the generic one.
    transformObject: (document) => 'openapiObject' in document
      ? withWebhooks(withJobTypes(document.openapiObject as Document, jobTypeComponents(app.config.vendors.values())))
      : document.swaggerObject,
    // Shared schemas keep their $id as their component name.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}

export default fp(docsPlugin, { name: 'docs', fastify: '5.x', dependencies: ['config'] })
