import { Ajv, type ValidateFunction } from 'ajv'
import type { VendorConfig } from './config.js'

/** Why a payload cannot be a job of this vendor: what the client must change, naming the field. */
export type PayloadCheck = (payload: Record<string, unknown>) => string | undefined

const ajv = new Ajv({ allErrors: false, strict: false })

/**
 * A vendor's job types, checked at submission: `type` must name one of them and the rest of the payload
 * must meet that type's JSON Schema (which, like the type's mappings, never sees `type`). A vendor without types takes any payload. The schemas are
 * compiled once at start; a schema Ajv cannot compile is a start error naming the vendor and the type.
 */
export function payloadCheck (vendor: VendorConfig): PayloadCheck {
  const types = Object.entries(vendor.types ?? {})
  if (types.length === 0) return () => undefined
  const validators = new Map<string, ValidateFunction>()
  for (const [type, { payload }] of types) {
    try {
      validators.set(type, ajv.compile(payload))
    } catch (err) {
      throw new Error(`vendor "${vendor.name}": types.${type}.payload: ${(err as Error).message}`)
    }
  }
  const known = [...validators.keys()].join(', ')
  return (payload) => {
    const { type, ...rest } = payload
    const validate = typeof type === 'string' ? validators.get(type) : undefined
    if (validate === undefined) return `"type" must be one of ${vendor.name}'s job types: ${known}`
    if (validate(rest)) return undefined
    const [first] = validate.errors ?? []
    const field = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : ''
    const missing = first?.keyword === 'required' ? String((first.params as { missingProperty?: string }).missingProperty) : ''
    const path = [field, missing].filter(Boolean).join('.')
    return `${type} payload${path === '' ? '' : ` field "${path}"`}: ${first?.message ?? 'is invalid'}`
  }
}

/** A component name for one vendor's job type, as the published contract lists it. */
const componentName = (vendor: string, type: string): string => `Job_${vendor}_${type}`.replace(/[^A-Za-z0-9_.-]/g, '_')

/**
 * The request bodies of POST /jobs for the vendors that declare job types, as OpenAPI components: the
 * vendor and type as constants over the type's payload schema. The served contract offers them beside the
 * generic body, so that a client generated from a running service knows each vendor's jobs.
 */
export function jobTypeComponents (vendors: Iterable<VendorConfig>): Record<string, object> {
  const components: Record<string, object> = {}
  for (const vendor of vendors) {
    for (const [type, { payload }] of Object.entries(vendor.types ?? {})) {
      const named = { vendor: { const: vendor.name }, type: { const: type } }
      components[componentName(vendor.name, type)] = {
        description: `a ${type} job for ${vendor.name}`,
        allOf: [
          { type: 'object', required: ['vendor', 'type'], properties: named },
          // The payload's schema never sees vendor and type: one that refuses other properties must know them.
          { ...payload, properties: { ...(payload as { properties?: object }).properties, ...named } }
        ]
      }
    }
  }
  return components
}
