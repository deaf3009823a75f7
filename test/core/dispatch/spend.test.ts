import { test } from 'tap'
import { bucketAt, bucketMs, callsThatFit, charge, fromMicros, ledgerSum, priceFor, reserveOf, toMicros } from '../../../core/dispatch/spend.js'
import { budgetsOn, parseTeams } from '../../../core/teams/config.js'
import { affords } from '../../../core/teams/spend.js'
import { mergeVendors } from '../../../vendors/config.js'

const vendor = {
  cost: { perCall: 0.002, perResult: 0.01 },
  types: { cheap: { cost: { perCall: 0.001 } }, plain: {} }
}

test('a job is priced by its type\'s cost where the type has one, else by its vendor\'s, in whole micros', async (t) => {
  t.same(priceFor(vendor, 'cheap'), { perCall: 1000, perResult: 0 }, 'the type\'s own cost replaces the vendor\'s whole')
  t.same(priceFor(vendor, 'plain'), { perCall: 2000, perResult: 10_000 })
  t.same(priceFor(vendor, undefined), { perCall: 2000, perResult: 10_000 })
  t.same(priceFor(vendor, 'toString'), { perCall: 2000, perResult: 10_000 }, 'a name the types do not declare is no type')
  t.same(priceFor({}, 'x'), { perCall: 0, perResult: 0 }, 'no cost: calls cost nothing')
  t.equal(toMicros(0.1 + 0.2), 300_000, 'sums stay exact in micros')
  t.equal(fromMicros(300_000), 0.3)
})

test('a take reserves the most any call of the vendor may cost, and a call spends nothing, its call, or its call and result', async (t) => {
  t.equal(reserveOf(vendor), 12_000)
  t.equal(reserveOf({ types: { dear: { cost: { perCall: 1, perResult: 2 } } } }), 3_000_000, 'a dear type sets the reservation')
  t.equal(reserveOf({}), 0)
  const price = priceFor(vendor, 'plain')
  t.same([charge(price, 'nothing'), charge(price, 'call'), charge(price, 'result')], [0, 2000, 12_000])
})

test('a ledger counts a bucket until all of it left the window: never less than the last window\'s spend', async (t) => {
  const window = 60_000
  t.equal(bucketMs(window), 1000)
  t.equal(bucketMs(30 * 86_400_000), 43_200_000, 'a sixtieth of a long window')
  const ledger = new Map<number, number>()
  const spend = (at: number, micros: number): void => { ledger.set(bucketAt(at, window), (ledger.get(bucketAt(at, window)) ?? 0) + micros) }
  spend(10_500, 5)
  spend(30_000, 7)
  t.equal(ledgerSum(ledger, 70_499, window), 12, 'the spend at 10.5 s is still within 60 s')
  t.equal(ledgerSum(ledger, 70_999, window), 12, 'its bucket (10 s to 11 s) still counts while part of it is inside')
  t.equal(ledgerSum(ledger, 71_000, window), 7, 'then it leaves')
  t.equal(ledger.size, 1, 'and the bucket is dropped')
})

test('calls that fit a budget count reservations; without a cost every call fits', async (t) => {
  t.equal(callsThatFit(100, 0, 10), 10)
  t.equal(callsThatFit(100, 95, 10), 0)
  t.equal(callsThatFit(100, 120, 10), 0, 'a budget overdrawn by a takeover allows nothing, never less than nothing')
  t.equal(callsThatFit(100, 100, 0), Number.POSITIVE_INFINITY)
})

test('a team\'s budgets on a vendor are its own over all vendors and its budget on that vendor, in micros', async (t) => {
  const teams = parseTeams({
    growth: { keys: [{ env: 'K' }], budget: { limit: 200, window: '30d' }, vendors: { syncVendor: { budget: { limit: 0.5, window: '1h' } } } },
    risk: { keys: [{ env: 'R' }] }
  }, { env: { K: 'growth-key-0123456789', R: 'risk-key-0123456789ab' }, vendors: ['syncVendor', 'asyncVendor'] })
  t.same([...budgetsOn(teams, 'syncVendor')], [['growth', [{ limit: 200_000_000, windowMs: 30 * 86_400_000, team: true }, { limit: 500_000, windowMs: 3_600_000, team: false }]]])
  t.same([...budgetsOn(teams, 'asyncVendor')], [['growth', [{ limit: 200_000_000, windowMs: 30 * 86_400_000, team: true }]]], 'a team without a budget has no rule')
  const growth = teams.byName.get('growth')
  if (growth === undefined) return t.fail('no team')
  const spent = (all: number, onSync: number) => ({ inBudget: all, vendors: new Map([['syncVendor', { total: all, inBudget: onSync }]]) })
  t.ok(affords(growth, 'syncVendor', spent(0, 490_000), 10_000), 'one more call fits exactly')
  t.notOk(affords(growth, 'syncVendor', spent(0, 490_001), 10_000), 'the vendor\'s budget refuses')
  t.notOk(affords(growth, 'asyncVendor', spent(199_995_000, 0), 10_000), 'the team\'s own budget refuses on any vendor')
  t.ok(affords(growth, 'asyncVendor', spent(200_000_000, 0), 0), 'a call that costs nothing always fits')
})

test('VENDORS_FILE refuses a bad cost in one line naming the vendor and the field', async (t) => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ cost: { perCall: -1 } }, 'VENDORS_FILE is invalid: vendor "v": cost.perCall: Expected number to be greater or equal to 0'],
    [{ cost: { perResult: '0.1' } }, 'VENDORS_FILE is invalid: vendor "v": cost.perResult: Expected number'],
    [{ cost: { perHour: 1 } }, 'VENDORS_FILE is invalid: vendor "v": cost.perHour: Unexpected property'],
    [{ types: { a: { payload: { type: 'object' }, cost: { perCall: -0.5 } } } }, 'VENDORS_FILE is invalid: vendor "v": types.a.cost.perCall: Expected number to be greater or equal to 0']
  ]
  for (const [fields, message] of cases) {
    t.throws(() => mergeVendors({}, { v: { mode: 'sync', url: 'http://127.0.0.1:9', ...fields } }), { message }, message)
  }
  t.same(mergeVendors({}, { v: { mode: 'sync', url: 'http://127.0.0.1:9', cost: { perCall: 0.5 } } }).get('v')?.cost, { perCall: 0.5 })
})
