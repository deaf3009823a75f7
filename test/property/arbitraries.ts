import fc from 'fast-check'
import { BODY_LIMIT } from '../../app.js'
import { sign } from '../../vendors/signature.js'
import { SECRET } from '../helper.js'

/** Keys that stores, parsers and object merges have tripped over. */
const oddKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'a\u0000b', '\u0000', '$gt', '$where', 'vendor', 'request_id', '',
  ' ', 'toString', 'hasOwnProperty', '🙂', '\u202e', 'a.b', '{', '\ud800', 'é')
const key = fc.oneof({ weight: 6, arbitrary: fc.string({ maxLength: 12 }) }, { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) }, oddKey)
const leaf = fc.oneof(fc.string({ unit: 'binary', maxLength: 24 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null))

/** JSON values with odd keys and any unicode, a few levels deep. */
export const value: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(key, tie('node'), { maxKeys: 4 }))
})).node

const nested = (open: string, close: string) => fc.integer({ min: 40, max: 3_000 }).map((n) => open.repeat(n) + close.repeat(n))
/** A body just over the limit, made once: the limit is what is tested, not the generator's speed. */
const OVERSIZE = JSON.stringify({ vendor: 'syncVendor', blob: 'x'.repeat(BODY_LIMIT) })

/** Raw bodies that are not one tidy JSON object: text, broken JSON, scalars, deep nesting, too much. */
export const rawBody = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.json({ maxDepth: 3 }).chain((json) => fc.nat(json.length).map((n) => json.slice(0, n))),
  fc.constantFrom('', 'null', '[]', '0', '"syncVendor"', 'true', '{}', '{"vendor":"syncVendor"', '\ufeff{"vendor":"syncVendor"}'),
  nested('[', ']'),
  nested('{"a":', '}').map((s) => s.replace(/\}+$/, (closes) => `1${closes}`)),
  fc.constant(OVERSIZE)
)

/** Characters an HTTP header value can carry: tab, printable ASCII and the rest of latin1. */
const headerChar = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  fc.constant('\t'),
  fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c))
)
export const headerValue = fc.oneof(
  fc.string({ unit: headerChar, maxLength: 40 }),
  fc.string({ unit: headerChar, minLength: 250, maxLength: 300 })
)

/** Mostly JSON, as clients send; sometimes another type, a JSON type spelled oddly, or none. */
export const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=latin1', 'application/json;') },
  { weight: 2, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '', 'application/vnd.api+json', 'json') },
  { weight: 1, arbitrary: fc.constant(undefined) }
)

/** A few keys used over and over, so that repeats, races and other bodies under one key all happen. */
export const idempotencyKey = fc.option(fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('order-1', 'order-2', 'order-3') },
  { weight: 2, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: headerValue }
), { nil: undefined, freq: 2 })

const vendorName = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('syncVendor', 'asyncVendor') }, fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null))

/** POST /jobs bodies: mostly objects with a vendor and a payload, sometimes anything at all. */
export const jobBody = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(vendorName, fc.dictionary(key, value, { maxKeys: 5 })).map(([vendor, payload]) => JSON.stringify({ ...payload, vendor })) },
  { weight: 1, arbitrary: fc.dictionary(key, value, { maxKeys: 5 }).map((payload) => JSON.stringify(payload)) },
  { weight: 1, arbitrary: rawBody }
)

/** Job ids: ones the store has, unknown UUIDs, and path segments that are no UUID at all. */
export const jobId = (known: string[]) => fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...known) },
  fc.uuid(),
  fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent),
  fc.constantFrom('', '%', '%zz', '..', 'a'.repeat(2_000), '00000000-0000-0000-0000-000000000000', '%00', '%2F', '%F0%9F%99%82')
)

/** Webhook bodies: the documented shape over known and unknown jobs, odd results and errors, or anything. */
export const webhookBody = (known: string[]) => fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      request_id: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...known) }, fc.uuid(), vendorName),
      result: value,
      error: fc.oneof({ weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) }, value),
      extra: fc.dictionary(key, value, { maxKeys: 2 })
    }, { requiredKeys: ['request_id'] }).map(({ extra, ...body }) => JSON.stringify({ ...extra, ...body }))
  },
  { weight: 1, arbitrary: rawBody }
)

/** X-Signature: a right one, a stale one, one by another secret, garbage, or none. */
export const signature = (raw: string) => fc.oneof(
  { weight: 8, arbitrary: fc.constant(sign(SECRET, raw)) },
  fc.constant(sign(SECRET, raw, Math.floor(Date.now() / 1000) - 600)),
  fc.constant(sign('another-secret-value', raw)),
  headerValue,
  fc.constant(undefined)
)

export const webhookVendor = fc.oneof(
  { weight: 8, arbitrary: fc.constant('asyncVendor') },
  fc.constantFrom('syncVendor', 'nobody', '%00', '..', '%zz'),
  fc.string({ unit: 'binary', maxLength: 30 }).map(encodeURIComponent)
)
