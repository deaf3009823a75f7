import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifyInstance, LightMyRequestResponse as Response } from 'fastify'

// ajv-formats is CommonJS; its default export arrives as the module under ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

const pointer = (...tokens: string[]): string => tokens.map((t) => encodeURIComponent(t.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/')

interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>
}

/** The most an error message may say: 200 characters of the client's input and our own words around them. */
const MAX_MESSAGE = 600

/**
 * The contract as the app serves it (app.swagger()), and a judge of answers: a status the route does not
 * document, a body its schema for that status refuses, an error outside Fastify's four-field shape, or any
 * 5xx, is a problem. Ajv validates against the document itself, so the $refs resolve as a client's would.
 */
export function contractOf (app: FastifyInstance) {
  const doc = app.swagger() as unknown as OpenApi
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats(ajv)
  ajv.addSchema(doc, 'contract.json')
  const compiled = new Map<string, ValidateFunction>()
  const validator = (route: string, method: string, status: string): ValidateFunction => {
    const key = `${method} ${route} ${status}`
    let validate = compiled.get(key)
    if (validate === undefined) {
      validate = ajv.compile({ $ref: `contract.json#/${pointer('paths', route, method, 'responses', status, 'content', 'application/json', 'schema')}` })
      compiled.set(key, validate)
    }
    return validate
  }

  return {
    routes: () => Object.entries(doc.paths).flatMap(([route, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${route}`)),
    /** What is wrong with this answer to `method` `route` (the documented path, e.g. /jobs/{id}); empty when nothing. */
    problems (method: string, route: string | undefined, res: Response): string[] {
      const status = String(res.statusCode)
      if (res.statusCode >= 500) return [`a ${status}: ${res.body.slice(0, 300)}`]
      // A documented text answer (the metrics exposition, the dashboard's page) is judged by its media type alone.
      const media = String(res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? ''
      if (route !== undefined && media !== 'application/json' && doc.paths[route]?.[method.toLowerCase()]?.responses[status]?.content?.[media] !== undefined) return []
      let body: unknown
      try {
        body = res.json()
      } catch {
        return [`a ${status} whose body is not JSON: ${res.body.slice(0, 100)}`]
      }
      const problems: string[] = []
      if (res.statusCode >= 400) {
        const error = body as Record<string, unknown>
        if (Object.keys(error).sort().join() !== 'code,error,message,statusCode') problems.push(`an error not in the four-field shape: ${res.body.slice(0, 200)}`)
        if (error.statusCode !== res.statusCode) problems.push(`statusCode ${String(error.statusCode)} in a ${status}`)
        if (typeof error.message === 'string' && error.message.length > MAX_MESSAGE) problems.push(`a message of ${error.message.length} characters`)
      }
      // Unknown routes are answered by the router, in the error shape checked above.
      if (route === undefined) return problems
      const documented = doc.paths[route]?.[method.toLowerCase()]?.responses[status]
      if (documented === undefined) return [...problems, `status ${status} is not documented for ${method} ${route}`]
      const validate = validator(route, method.toLowerCase(), status)
      if (!validate(body)) problems.push(`the ${status} body does not match its schema: ${ajv.errorsText(validate.errors)}; ${res.body.slice(0, 200)}`)
      return problems
    }
  }
}
