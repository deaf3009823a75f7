import type { TSchema } from '@sinclair/typebox'
import { Value, ValueErrorType } from '@sinclair/typebox/value'

export interface Problem {
  /** Dotted, as a reader writes it: `auth.token.env`, `types.user_data.request.path`. */
  path: string
  message: string
}

/** Properties that tell the variants of our unions apart. */
const DISCRIMINATORS = ['type', 'scheme']

/**
 * The first problem of `value` against `schema`, or undefined. TypeBox reports a failed union as
 * "Expected union value"; where the value names its variant (`type`, `scheme`) we check it against that
 * variant instead, so that a reader learns which field of it is wrong, or which variants exist.
 */
export function firstProblem (schema: TSchema, value: unknown, at = ''): Problem | undefined {
  const error = Value.Errors(schema, value).First()
  if (error === undefined) return undefined
  const path = at + error.path
  if (error.type === ValueErrorType.Union) {
    const constants = ((error.schema.anyOf ?? []) as TSchema[]).map((v) => v.const)
    if (constants.length > 0 && constants.every((c) => c !== undefined)) {
      return { path: dotted(path), message: `must be one of ${constants.map((c) => JSON.stringify(c)).join(', ')}` }
    }
  }
  if (error.type === ValueErrorType.Union && isObject(error.value)) {
    const variants = (error.schema.anyOf ?? []) as TSchema[]
    const objects = variants.filter((v) => v.type === 'object')
    if (objects.length === 1 && objects[0] !== undefined) return firstProblem(objects[0], error.value, path)
    for (const key of DISCRIMINATORS) {
      const named = variants.map((v) => v.properties?.[key]?.const).filter((c): c is string => typeof c === 'string')
      if (named.length !== variants.length) continue
      const given = error.value[key]
      const variant = variants.find((v) => v.properties?.[key]?.const === given)
      if (variant !== undefined) return firstProblem(variant, error.value, path)
      const what = given === undefined ? `is missing` : `${JSON.stringify(given)} is not known`
      return { path: dotted(`${path}/${key}`), message: `${what} (one of ${named.join(', ')})` }
    }
  }
  return { path: dotted(path), message: error.message }
}

function dotted (path: string): string {
  return path.split('/').filter((part) => part !== '').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~')).join('.')
}

function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
