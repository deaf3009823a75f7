import { test } from 'tap'
import { type CacheRule, cacheKey, canonicalJson, compileCacheRule, compileCacheRules } from '../../vendors/cache.js'

const rule = (entry: Parameters<typeof compileCacheRule>[2]): CacheRule => compileCacheRule('v', 'cache', entry)

test('the canonical payload reads the same whatever the order of its keys, at any depth', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } }), canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 }))
  t.not(canonicalJson({ a: [1, 2] }), canonicalJson({ a: [2, 1] }), 'an array keeps its order')
  t.not(canonicalJson({ a: '1' }), canonicalJson({ a: 1 }), 'a string is no number')
})

test('the default key is the type and the whole payload, key order aside', async (t) => {
  const r = rule({ ttl: '1h' })
  const a = await cacheKey(r, 'v', 'team-a', { type: 'user', id: 1, region: 'eu' })
  t.equal(await cacheKey(r, 'v', 'team-a', { region: 'eu', id: 1, type: 'user' }), a)
  t.not(await cacheKey(r, 'v', 'team-a', { type: 'user', id: 2, region: 'eu' }), a, 'another payload')
  t.not(await cacheKey(r, 'v', 'team-a', { type: 'other', id: 1, region: 'eu' }), a, 'another type')
  t.not(await cacheKey(r, 'w', 'team-a', { type: 'user', id: 1, region: 'eu' }), a, 'another vendor')
  t.equal(await cacheKey(r, 'v', 'team-b', { type: 'user', id: 1, region: 'eu' }), a, 'scope vendor: every team shares it')
  t.match(a, /^[0-9a-f]{64}$/)
})

test('scope team keeps each team\'s key apart', async (t) => {
  const r = rule({ ttl: '1h', scope: 'team' })
  t.not(await cacheKey(r, 'v', 'team-a', { id: 1 }), await cacheKey(r, 'v', 'team-b', { id: 1 }))
  t.equal(await cacheKey(r, 'v', 'team-a', { id: 1 }), await cacheKey(r, 'v', 'team-a', { id: 1 }))
})

test('a JSONata key over {type, payload} decides what makes two jobs the same', async (t) => {
  const r = rule({ ttl: '1h', key: '{"t": type, "id": payload.id}' })
  t.equal(await cacheKey(r, 'v', 'x', { type: 'user', id: 1, trace: 'a' }), await cacheKey(r, 'v', 'x', { type: 'user', id: 1, trace: 'b' }))
  t.not(await cacheKey(r, 'v', 'x', { type: 'user', id: 1 }), await cacheKey(r, 'v', 'x', { type: 'user', id: 2 }))
})

test('a type\'s cache wins over its vendor\'s; a vendor without one keeps nothing', async (t) => {
  const rules = compileCacheRules('v', { ttl: '1h' }, { fast: { cache: { ttl: '5s' } }, plain: {} })
  t.equal(rules.of({ type: 'fast' })?.ttlMs, 5_000)
  t.equal(rules.of({ type: 'plain' })?.ttlMs, 3_600_000)
  t.equal(compileCacheRules('v', undefined, { fast: { cache: { ttl: '5s' } } }).of({ type: 'plain' }), undefined)
})

test('a bad ttl or key names the vendor and the field', async (t) => {
  t.throws(() => compileCacheRule('acme', 'types.user.cache', { ttl: '0ms' }), /vendor "acme": types.user.cache.ttl/)
  t.throws(() => compileCacheRule('acme', 'cache', { ttl: '1h', key: '$$(' }), /acme.*cache.key/)
})
