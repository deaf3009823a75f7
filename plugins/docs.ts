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
        { name: 'jobs', description: 'submit jobs and read their outcome' },
        { name: 'webhooks', description: 'callbacks from async vendors' },
        { name: 'health', description: 'readiness' },
        { name: 'operations', description: 'metrics, job listing, vendor state, and admin controls behind ADMIN_TOKEN' }
      ],
      components: {
        securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN; without it configured the admin routes answer 404' } }
      }
    },
    // Vendors that declare job types publish them: the body of POST /jobs is one of them or the generic one.
    transformObject: (document) => 'openapiObject' in document
      ? withJobTypes(document.openapiObject as Document, jobTypeComponents(app.config.vendors.values()))
      : document.swaggerObject,
    // Shared schemas keep their $id as their component name.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}

export default fp(docsPlugin, { name: 'docs', fastify: '5.x', dependencies: ['config'] })
