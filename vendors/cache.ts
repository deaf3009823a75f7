import { createHash } from 'node:crypto'
import { type Static, Type } from '@sinclair/typebox'
import { parseDuration } from '../core/time.js'
import { compileExpression, DEFAULT_EVAL_TIMEOUT_MS, type Expr } from './adapters/expression.js'

/** `cache` of a vendor or of one of its types: completed results kept for `ttl`, and identical jobs joined. */
export const CacheEntry = Type.Object({
  ttl: Type.Union([
    Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', description: 'how long a completed result is kept, e.g. "30s", "1h"' }),
    Type.Integer({ minimum: 1, description: 'milliseconds' })
  ]),
  key: Type.Optional(Type.String({ minLength: 1, description: 'JSONata over {type, payload}: what makes two jobs the same; default the type and the whole payload, key order aside' })),
  scope: Type.Optional(Type.Union([Type.Literal('vendor'), Type.Literal('team')], { description: "team: each team's results apart (default vendor: shared by every team)" }))
}, { additionalProperties: false })

export type CacheEntry = Static<typeof CacheEntry>

/** A cache entry made ready at start. */
export interface CacheRule {
  ttlMs: number
  scope: 'vendor' | 'team'
  key?: Expr
}

export class CacheConfigError extends Error {
  override name = 'CacheConfigError'
}

/** Checks and compiles one `cache` entry; `where` names the vendor and field for the one-line start error. */
export function compileCacheRule (vendor: string, where: string, entry: CacheEntry): CacheRule {
  const ttlMs = parseDuration(entry.ttl)
  if (ttlMs === undefined) throw new CacheConfigError(`vendor "${vendor}": ${where}.ttl: must be longer than 0`)
  let key: Expr | undefined
  if (entry.key !== undefined) {
    try {
      key = compileExpression({ vendor, timeoutMs: DEFAULT_EVAL_TIMEOUT_MS, redact: (text) => text }, `${where}.key`, entry.key)
    } catch (err) {
      throw new CacheConfigError((err as Error).message)
    }
  }
  return { ttlMs, scope: entry.scope ?? 'vendor', ...(key === undefined ? {} : { key }) }
}

/** The rules of a vendor: its own `cache` and each type's, a type's winning over the vendor's. */
export interface CacheRules {
  /** The rule for a payload of this vendor (its `type` picks a type's rule), or undefined when nothing is kept. */
  of (payload: Record<string, unknown>): CacheRule | undefined
}

export function compileCacheRules (vendor: string, entry: CacheEntry | undefined, types: Record<string, { cache?: CacheEntry }> | undefined): CacheRules {
  const own = entry === undefined ? undefined : compileCacheRule(vendor, 'cache', entry)
  const byType = new Map<string, CacheRule>()
  for (const [type, t] of Object.entries(types ?? {})) {
    if (t.cache !== undefined) byType.set(type, compileCacheRule(vendor, `types.${type}.cache`, t.cache))
  }
  return { of: (payload) => (typeof payload.type === 'string' ? byType.get(payload.type) : undefined) ?? own }
}

/** JSON with every object's keys sorted: two payloads that differ only in key order read the same. */
export function canonicalJson (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * A job's cache key: the vendor, the team where the scope is `team`, and what the rule's key makes of
 * `{type, payload}` (default both, canonical), hashed so that any payload gives a short key. The payload
 * here is the job's without `type`, as a type's mappings see it.
 */
export async function cacheKey (rule: CacheRule, vendor: string, team: string, payload: Record<string, unknown>): Promise<string> {
  const { type, ...rest } = payload
  const input = { type: type ?? null, payload: rest }
  const value = rule.key === undefined ? input : await rule.key.evaluate(input)
  const scope = rule.scope === 'team' ? `t:${team}` : 'v'
  return createHash('sha256').update(JSON.stringify([vendor, scope, canonicalJson(value ?? null)])).digest('hex')
}
