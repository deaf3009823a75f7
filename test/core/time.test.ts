import { test } from 'tap'
import { isoTime, parseDuration, parseInstant } from '../../core/time.js'

test('a stored time prints as ISO-8601 whatever it holds: out of range, it shows as the nearest printable one', async (t) => {
  t.equal(isoTime(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), '2026-01-02T03:04:05.006Z')
  t.equal(isoTime(99_999_999_999_999 * 1000), '9999-12-31T23:59:59.999Z')
  t.equal(isoTime(Number.POSITIVE_INFINITY), '9999-12-31T23:59:59.999Z')
  t.equal(isoTime(-5), '1970-01-01T00:00:00.000Z')
  t.equal(isoTime(Number.NaN), '1970-01-01T00:00:00.000Z')
})

test('a leap second is the last millisecond before the minute after it; every other RFC 3339 form parses as Date does', async (t) => {
  const midnight = Date.UTC(2017, 0, 1)
  t.equal(parseInstant('2016-12-31T23:59:60Z'), midnight - 1)
  t.equal(parseInstant('2016-12-31T23:59:60.5Z'), midnight - 1)
  t.equal(parseInstant('2017-01-01T00:59:60+01:00'), midnight - 1)
  t.equal(parseInstant('2016-12-31t23:59:60z'), midnight - 1)
  t.equal(parseInstant('2017-01-01 00:00:00Z'), midnight)
  t.equal(parseInstant('2017-01-01T00:00:00.123456789Z'), midnight + 123)
  t.equal(parseInstant('2017-01-01T23:59:00+23:59'), midnight)
  t.equal(parseInstant('2017-01-01T00:00:00-00:00'), midnight)
  t.equal(parseInstant('yesterday'), undefined)
  t.equal(parseInstant('2016-12-31T23:59:61Z'), undefined)
})

test('durations are read in ms, s, m, h and d, or as milliseconds', async (t) => {
  t.equal(parseDuration('10s'), 10_000)
  t.equal(parseDuration('1m'), 60_000)
  t.equal(parseDuration('1h'), 3_600_000)
  t.equal(parseDuration('1d'), 86_400_000)
  t.equal(parseDuration('250ms'), 250)
  t.equal(parseDuration('1.5s'), 1500)
  t.equal(parseDuration(2500), 2500)
  for (const bad of ['', '10', '1w', '-1s', '0s', 's', 0, -5, 1.5]) t.equal(parseDuration(bad), undefined, JSON.stringify(bad))
})
