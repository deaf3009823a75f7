import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { loadTeams, OPEN_TEAMS, parseTeams } from '../../../core/teams/config.js'
import { keyId } from '../../../core/teams/keys.js'
import { loadConfig } from '../../../plugins/config.js'

const env = {
  GROWTH_KEY: 'growth-key-0123456789',
  GROWTH_KEY_NEXT: 'growth-key-next-0123456789',
  RISK_KEY: 'risk-key-0123456789ab',
  HOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`
}
const ctx = { env, vendors: ['syncVendor', 'asyncVendor'] }

test('a full entry is read with its windows in ms, its keys only as digests, and its defaults', async (t) => {
  const teams = parseTeams({
    growth: {
      keys: [{ env: 'GROWTH_KEY' }, { env: 'GROWTH_KEY_NEXT' }],
      weight: 3,
      intake: { perSecond: 50, burst: 100 },
      budget: { limit: 200, window: '30d' },
      vendors: { syncVendor: { quotas: [{ limit: 1000, window: '1d' }], budget: { limit: 50, window: 3_600_000 } } },
      notify: { url: 'https://hooks.growth.example/vfs', secret: { env: 'HOOK_SECRET' }, allowedHosts: ['hooks.growth.example'] }
    },
    risk: { keys: [{ env: 'RISK_KEY' }] }
  }, ctx)
  t.equal(teams.keyed, true)
  t.same(teams.byName.get('growth'), {
    name: 'growth',
    weight: 3,
    intake: { perSecond: 50, burst: 100 },
    budget: { limit: 200, windowMs: 30 * 86_400_000 },
    vendors: new Map([['syncVendor', { quotas: [{ limit: 1000, windowMs: 86_400_000 }], budget: { limit: 50, windowMs: 3_600_000 } }]]),
    notify: { url: 'https://hooks.growth.example/vfs', secret: env.HOOK_SECRET, allowedHosts: ['hooks.growth.example'] }
  })
  t.same(teams.byName.get('risk'), { name: 'risk', weight: 1, vendors: new Map() }, 'weight 1, no intake, budget or notify')
  t.same([...teams.byKey.entries()].sort(), [[keyId(env.GROWTH_KEY), 'growth'], [keyId(env.GROWTH_KEY_NEXT), 'growth'], [keyId(env.RISK_KEY), 'risk']].sort(),
    'both keys of a team name it (rotation)')
  t.notMatch(JSON.stringify([...teams.byKey]), /growth-key|risk-key/, 'no key is kept as it was given')
})

const bad: Array<[string, unknown, Record<string, string>, RegExp]> = [
  ['a bad team name', { Growth: { keys: [{ env: 'GROWTH_KEY' }] } }, {}, /team "Growth": a team's name is 1 to 63 of a-z/],
  ['no keys', { growth: { keys: [] } }, {}, /team "growth": keys: Expected array length to be greater or equal to 1/],
  ['a key variable not set', { growth: { keys: [{ env: 'NOPE' }] } }, {}, /team "growth": keys\.0\.env: the variable NOPE is not set/],
  ['a short key', { growth: { keys: [{ env: 'SHORT' }] } }, { SHORT: 'abc' }, /team "growth": keys\.0\.env: SHORT holds a key shorter than 16 characters/],
  ['a key with a space', { growth: { keys: [{ env: 'SPACE' }] } }, { SPACE: 'a key with spaces in it' }, /team "growth": keys\.0\.env: SPACE holds characters a bearer token cannot carry/],
  ['one key in two teams', { growth: { keys: [{ env: 'GROWTH_KEY' }] }, risk: { keys: [{ env: 'RISK_KEY' }, { env: 'SAME' }] } }, { SAME: env.GROWTH_KEY },
    /team "risk": keys\.1\.env: SAME holds a key of team "growth" too; a key names one team/],
  ['the admin token as a key', { growth: { keys: [{ env: 'GROWTH_KEY' }] } }, { ADMIN: env.GROWTH_KEY }, /team "growth": keys\.0\.env: GROWTH_KEY holds the admin token/],
  ['a weight of 0', { growth: { keys: [{ env: 'GROWTH_KEY' }], weight: 0 } }, {}, /team "growth": weight: Expected number to be greater than 0/],
  ['an unknown field', { growth: { keys: [{ env: 'GROWTH_KEY' }], wieght: 2 } }, {}, /team "growth": wieght: Unexpected property/],
  ['an intake without burst', { growth: { keys: [{ env: 'GROWTH_KEY' }], intake: { perSecond: 5 } } }, {}, /team "growth": intake\.burst: Expected required property/],
  ['an intake window that is no whole second', { growth: { keys: [{ env: 'GROWTH_KEY' }], intake: { perSecond: 3, burst: 5 } } }, {},
    /team "growth": intake: burst \/ perSecond .* must be a whole number of seconds \(5 \/ 3 is not\)/],
  ['an unknown vendor', { growth: { keys: [{ env: 'GROWTH_KEY' }], vendors: { nobody: { quotas: [] } } } }, {},
    /team "growth": vendors\.nobody: no such vendor; known vendors: syncVendor, asyncVendor/],
  ['a bad quota window', { growth: { keys: [{ env: 'GROWTH_KEY' }], vendors: { syncVendor: { quotas: [{ limit: 5, window: '0s' }] } } } }, {},
    /team "growth": vendors\.syncVendor\.quotas\.0\.window: a window must be longer than 0/],
  ['a budget without a window', { growth: { keys: [{ env: 'GROWTH_KEY' }], budget: { limit: 5 } } }, {}, /team "growth": budget\.window: Expected required property/],
  ['a notify secret that is not whsec_', { growth: { keys: [{ env: 'GROWTH_KEY' }], notify: { secret: { env: 'PLAIN' } } } }, { PLAIN: 'plain-secret-value' },
    /team "growth": notify\.secret\.env: PLAIN must hold a Standard Webhooks secret/],
  ['a notify url outside its allowed hosts', { growth: { keys: [{ env: 'GROWTH_KEY' }], notify: { url: 'https://evil.example/x', secret: { env: 'HOOK_SECRET' }, allowedHosts: ['hooks.example'] } } }, {},
    /team "growth": notify\.url: its host evil\.example is not one the operator allowed \(notify\.allowedHosts\)/],
  ['no team at all', {}, {}, /TEAMS_FILE is invalid: it names no team/],
  ['an array', [], {}, /TEAMS_FILE is invalid: not an object of teams by name/]
]

for (const [what, entries, more, message] of bad) {
  test(`${what} stops the start with one line naming the team and the field`, async (t) => {
    const err = t.throws(() => parseTeams(entries, { ...ctx, env: { ...env, ...more }, ...(more.ADMIN === undefined ? {} : { adminToken: more.ADMIN }) })) as Error
    t.match(err.message, message)
    t.notOk(err.message.includes('\n'), 'one line')
    t.notMatch(err.message, /growth-key|risk-key|abc"/, 'no key value in it')
  })
}

test('without TEAMS_FILE every job is the default team\'s and no key is asked', async (t) => {
  t.equal(loadTeams(undefined, ctx), OPEN_TEAMS)
  t.equal(OPEN_TEAMS.keyed, false)
  t.same([...OPEN_TEAMS.byName.keys()], ['default'])
  t.equal(loadConfig({ MOCK_VENDORS: 'in-process' }).teams, OPEN_TEAMS)
})

test('loadConfig reads TEAMS_FILE with keys from its own environment, and names the file in its errors', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'teams.json')
  writeFileSync(file, JSON.stringify({ growth: { keys: [{ env: 'GROWTH_KEY' }] } }))
  const config = loadConfig({ MOCK_VENDORS: 'in-process', TEAMS_FILE: file, GROWTH_KEY: env.GROWTH_KEY })
  t.equal(config.teams.byKey.get(keyId(env.GROWTH_KEY)), 'growth')
  t.throws(() => loadConfig({ MOCK_VENDORS: 'in-process', TEAMS_FILE: file }), { message: `TEAMS_FILE ${file} is invalid: team "growth": keys.0.env: the variable GROWTH_KEY is not set` })
  writeFileSync(file, '{"growth": ')
  t.throws(() => loadConfig({ MOCK_VENDORS: 'in-process', TEAMS_FILE: file }), { message: new RegExp(`^TEAMS_FILE ${file} cannot be read as JSON`) })
})

test('a process that serves no job route reads the teams without their keys\' variables', async (t) => {
  const teams = parseTeams({ growth: { keys: [{ env: 'NOT_SET_HERE' }], weight: 2 } }, { ...ctx, keys: false })
  t.match(teams.byName.get('growth'), { name: 'growth', weight: 2 })
  t.equal(teams.byKey.size, 0)
})
