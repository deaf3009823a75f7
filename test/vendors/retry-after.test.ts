import { test } from 'tap'
import { parseRetryAfter } from '../../vendors/retry-after.js'

test('Retry-After in seconds becomes milliseconds', async (t) => {
  t.equal(parseRetryAfter('2'), 2000)
  t.equal(parseRetryAfter(['0']), 0)
})

test('Retry-After as an HTTP date becomes the time until then, never negative', async (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  t.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now), 3000)
  t.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now), 0)
})

test('a missing or unreadable Retry-After is ignored', async (t) => {
  t.equal(parseRetryAfter(undefined), undefined)
  t.equal(parseRetryAfter('soon'), undefined)
  t.equal(parseRetryAfter('-5'), undefined)
})
