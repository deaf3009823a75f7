import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

/** What a mock vendor can be told to get wrong; all off by default. The schema is also the admin route's contract. */
export const MockFaults = Type.Object({
  latencyMs: whole('delay before every answer that is not a 429 or a 500; the call stays open meanwhile, so this also holds calls open'),
  failRate: rate('share of calls answered 500'),
  rate429: rate('share of calls answered 429 with Retry-After'),
  retryAfterS: whole('Retry-After of a 429, in seconds'),
  hangRate: rate('share of calls never answered'),
  malformedRate: rate('share of calls answered 200 with a body that is not a JSON object'),
  webhookDropRate: rate('async only: share of accepted calls never called back'),
  webhookDuplicateRate: rate('async only: share of callbacks delivered twice'),
  webhookEarlyRate: rate('async only: share of calls called back before they are answered, as a very fast vendor might'),
  webhookDelayMinMs: whole('async only: shortest delay before a callback'),
  webhookDelayMaxMs: whole('async only: longest delay before a callback'),
  webhookRetries: whole('async only: how often a callback refused with a 5xx or not answered is sent again, 100 ms after the first try and twice as long after each'),
  pageFailOnce: whole('paged lists only: the page of each listing that fails once with 500 before it is served; 0 for none'),
  rateLimit: whole('rate-limit-header vendors only: calls allowed per window, then 403 until the reset; 0 for 5000'),
  rateWindowS: whole('rate-limit-header vendors only: the window, in seconds; 0 for 3600')
}, { additionalProperties: false })

export type MockFaults = Static<typeof MockFaults>

function rate (description: string) {
  return Type.Number({ minimum: 0, maximum: 1, description })
}

function whole (description: string) {
  return Type.Integer({ minimum: 0, description })
}

/** A partial update, as `PUT /admin/faults` takes it; unknown knobs are refused rather than ignored. */
export const MockFaultsPatch = Type.Partial(MockFaults, { additionalProperties: false })

export const NO_FAULTS: Readonly<MockFaults> = {
  latencyMs: 0,
  failRate: 0,
  rate429: 0,
  retryAfterS: 1,
  hangRate: 0,
  malformedRate: 0,
  webhookDropRate: 0,
  webhookDuplicateRate: 0,
  webhookEarlyRate: 0,
  webhookDelayMinMs: 500,
  webhookDelayMaxMs: 2000,
  webhookRetries: 3,
  pageFailOnce: 0,
  rateLimit: 0,
  rateWindowS: 0
}

const ENV: Record<keyof MockFaults, string> = {
  latencyMs: 'MOCK_LATENCY_MS',
  failRate: 'MOCK_FAIL_RATE',
  rate429: 'MOCK_429_RATE',
  retryAfterS: 'MOCK_RETRY_AFTER_S',
  hangRate: 'MOCK_HANG_RATE',
  malformedRate: 'MOCK_MALFORMED_RATE',
  webhookDropRate: 'MOCK_WEBHOOK_DROP_RATE',
  webhookDuplicateRate: 'MOCK_WEBHOOK_DUPLICATE_RATE',
  webhookEarlyRate: 'MOCK_WEBHOOK_EARLY_RATE',
  webhookDelayMinMs: 'MOCK_WEBHOOK_DELAY_MIN_MS',
  webhookDelayMaxMs: 'MOCK_WEBHOOK_DELAY_MAX_MS',
  webhookRetries: 'MOCK_WEBHOOK_RETRIES',
  pageFailOnce: 'MOCK_PAGE_FAIL_ONCE',
  rateLimit: 'MOCK_RATE_LIMIT',
  rateWindowS: 'MOCK_RATE_WINDOW_S'
}

export class FaultsError extends Error {
  override name = 'FaultsError'
}

/** Reads the MOCK_* variables; unset or blank ones keep their default. Throws a FaultsError naming a bad variable. */
export function faultsFromEnv (env: NodeJS.ProcessEnv = process.env): MockFaults {
  const faults = { ...NO_FAULTS }
  for (const key of Object.keys(ENV) as Array<keyof MockFaults>) {
    const text = env[ENV[key]]?.trim()
    if (text === undefined || text === '') continue
    const value = Number(text)
    const schema: TSchema = MockFaults.properties[key]
    if (!Value.Check(schema, value)) {
      const expected = schema.type === 'integer' ? 'a whole number, 0 or more' : 'a number from 0 to 1'
      throw new FaultsError(`${ENV[key]} must be ${expected}, got "${text}"`)
    }
    faults[key] = value
  }
  checkDelayOrder(faults, ENV.webhookDelayMinMs, ENV.webhookDelayMaxMs)
  return faults
}

/** `base` with `patch` applied, checked as a whole. Throws a FaultsError naming the first bad field. */
export function withFaults (base: MockFaults, patch: Partial<MockFaults>): MockFaults {
  const faults = { ...base, ...patch }
  const error = Value.Errors(MockFaults, faults).First()
  if (error !== undefined) throw new FaultsError(`${error.path.slice(1) || 'faults'}: ${error.message}`)
  checkDelayOrder(faults, 'webhookDelayMinMs', 'webhookDelayMaxMs')
  return faults
}

function checkDelayOrder (faults: MockFaults, minName: string, maxName: string): void {
  if (faults.webhookDelayMinMs > faults.webhookDelayMaxMs) {
    throw new FaultsError(`${minName} (${faults.webhookDelayMinMs}) must not exceed ${maxName} (${faults.webhookDelayMaxMs})`)
  }
}

export type CallFault = 'hang' | 'throttle' | 'fail' | 'malformed'

/**
 * One draw per call decides its fault, so each rate is exactly that share of all calls. Should the rates add
 * up to more than 1, the earlier faults in this order take their share first.
 */
export function drawCallFault (faults: MockFaults, draw = Math.random()): CallFault | undefined {
  let edge = 0
  for (const [fault, share] of [
    ['hang', faults.hangRate],
    ['throttle', faults.rate429],
    ['fail', faults.failRate],
    ['malformed', faults.malformedRate]
  ] as const) {
    edge += share
    if (draw < edge) return fault
  }
  return undefined
}
