import { test } from 'tap'
import { drawCallFault, faultsFromEnv, NO_FAULTS, withFaults } from '../../../vendors/mock/faults.js'

test('an empty environment turns every fault off, with the documented defaults', async (t) => {
  t.same(faultsFromEnv({}), NO_FAULTS)
  t.match(NO_FAULTS, { retryAfterS: 1, webhookDelayMinMs: 500, webhookDelayMaxMs: 2000, webhookRetries: 3, failRate: 0 })
  t.same(faultsFromEnv({ MOCK_FAIL_RATE: '', MOCK_LATENCY_MS: '  ' }), NO_FAULTS, 'blank means unset')
})

test('every MOCK_ variable sets its knob', async (t) => {
  t.same(faultsFromEnv({
    MOCK_LATENCY_MS: '25',
    MOCK_FAIL_RATE: '0.1',
    MOCK_429_RATE: '0.2',
    MOCK_RETRY_AFTER_S: '3',
    MOCK_HANG_RATE: '0.05',
    MOCK_MALFORMED_RATE: '1',
    MOCK_WEBHOOK_DROP_RATE: '0.3',
    MOCK_WEBHOOK_DUPLICATE_RATE: '0.4',
    MOCK_WEBHOOK_EARLY_RATE: '0.6',
    MOCK_WEBHOOK_DELAY_MIN_MS: '10',
    MOCK_WEBHOOK_DELAY_MAX_MS: '50',
    MOCK_WEBHOOK_RETRIES: '6',
    MOCK_PAGE_FAIL_ONCE: '2',
    MOCK_RATE_LIMIT: '4',
    MOCK_RATE_WINDOW_S: '3'
  }), {
    latencyMs: 25,
    failRate: 0.1,
    rate429: 0.2,
    retryAfterS: 3,
    hangRate: 0.05,
    malformedRate: 1,
    webhookDropRate: 0.3,
    webhookDuplicateRate: 0.4,
    webhookEarlyRate: 0.6,
    webhookDelayMinMs: 10,
    webhookDelayMaxMs: 50,
    webhookRetries: 6,
    pageFailOnce: 2,
    rateLimit: 4,
    rateWindowS: 3
  })
})

test('a bad value is refused with an error naming its variable', async (t) => {
  t.throws(() => faultsFromEnv({ MOCK_FAIL_RATE: '1.5' }), { message: 'MOCK_FAIL_RATE must be a number from 0 to 1, got "1.5"' })
  t.throws(() => faultsFromEnv({ MOCK_429_RATE: '-0.1' }), { message: /^MOCK_429_RATE must be a number from 0 to 1/ })
  t.throws(() => faultsFromEnv({ MOCK_HANG_RATE: 'half' }), { message: /^MOCK_HANG_RATE must be/ })
  t.throws(() => faultsFromEnv({ MOCK_LATENCY_MS: '-1' }), { message: 'MOCK_LATENCY_MS must be a whole number, 0 or more, got "-1"' })
  t.throws(() => faultsFromEnv({ MOCK_RETRY_AFTER_S: '1.5' }), { message: /^MOCK_RETRY_AFTER_S must be a whole number/ })
  t.throws(() => faultsFromEnv({ MOCK_WEBHOOK_DELAY_MAX_MS: 'Infinity' }), { message: /^MOCK_WEBHOOK_DELAY_MAX_MS must be/ })
  t.throws(() => faultsFromEnv({ MOCK_WEBHOOK_DELAY_MIN_MS: '3000' }), {
    message: 'MOCK_WEBHOOK_DELAY_MIN_MS (3000) must not exceed MOCK_WEBHOOK_DELAY_MAX_MS (2000)'
  })
})

test('a partial update is checked as a whole, naming the bad field', async (t) => {
  t.match(withFaults(NO_FAULTS, { failRate: 0.5 }), { ...NO_FAULTS, failRate: 0.5 })
  t.throws(() => withFaults(NO_FAULTS, { failRate: 2 }), { name: 'FaultsError', message: /^failRate: / })
  t.throws(() => withFaults(NO_FAULTS, { latencyMs: 1.5 }), { message: /^latencyMs: / })
  t.throws(() => withFaults(NO_FAULTS, { webhookDelayMaxMs: 100 }), {
    message: 'webhookDelayMinMs (500) must not exceed webhookDelayMaxMs (100)'
  })
})

test('one draw per call gives each fault its exact share, in the order hang, 429, 500, malformed', async (t) => {
  const faults = { ...NO_FAULTS, hangRate: 0.1, rate429: 0.2, failRate: 0.3, malformedRate: 0.1 }
  t.equal(drawCallFault(faults, 0), 'hang')
  t.equal(drawCallFault(faults, 0.099), 'hang')
  t.equal(drawCallFault(faults, 0.1), 'throttle')
  t.equal(drawCallFault(faults, 0.35), 'fail')
  t.equal(drawCallFault(faults, 0.65), 'malformed')
  t.equal(drawCallFault(faults, 0.75), undefined)
  t.equal(drawCallFault(NO_FAULTS, 0), undefined, 'a rate of 0 never fires')
  t.equal(drawCallFault({ ...NO_FAULTS, failRate: 1 }, 0.999999), 'fail', 'a rate of 1 always fires')
})
