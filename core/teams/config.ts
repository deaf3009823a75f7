import { readFileSync } from 'node:fs'
import { Type } from '@sinclair/typebox'
import { firstProblem } from '../../vendors/adapters/check.js'
import { parseDuration } from '../time.js'
import { type BudgetRule, toMicros } from '../dispatch/spend.js'
import { DEFAULT_TEAM } from '../job.js'
import { ALLOWED_HOST, isWebhookSecret, notifyUrlProblem, WEBHOOK_SECRET_RULE } from '../notify/settings.js'
import { BEARER_TOKEN, keyId } from './keys.js'

/** A team's name: it is a label on metrics and a part of Redis keys, so plain and short. */
const TEAM_NAME = '^[a-z0-9][a-z0-9_-]{0,62}$'

const Window = Type.Union([
  Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', description: 'e.g. "10s", "1m", "1h", "30d"' }),
  Type.Integer({ minimum: 1, description: 'milliseconds' })
])
const Budget = Type.Object({ limit: Type.Number({ exclusiveMinimum: 0 }), window: Window }, { additionalProperties: false })
const Quota = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 10_000_000 }), window: Window }, { additionalProperties: false })
/** A secret is named by the environment variable that holds it, never written in the file. */
const FromEnv = Type.Object({ env: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }) }, { additionalProperties: false })

/** One `TEAMS_FILE` entry, the documented shape. */
const TeamEntry = Type.Object({
  keys: Type.Array(FromEnv, { minItems: 1, maxItems: 16 }),
  weight: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
  intake: Type.Optional(Type.Object({
    perSecond: Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 }),
    burst: Type.Integer({ minimum: 1, maximum: 1_000_000 })
  }, { additionalProperties: false })),
  budget: Type.Optional(Budget),
  vendors: Type.Optional(Type.Record(Type.String(), Type.Object({
    quotas: Type.Optional(Type.Array(Quota, { maxItems: 8 })),
    budget: Type.Optional(Budget)
  }, { additionalProperties: false }))),
  notify: Type.Optional(Type.Object({
    url: Type.Optional(Type.String({ pattern: '^https?://' })),
    secret: FromEnv,
    allowedHosts: Type.Optional(Type.Array(Type.String({ pattern: ALLOWED_HOST }), { maxItems: 64 }))
  }, { additionalProperties: false }))
}, { additionalProperties: false })

/** In any sliding window of `windowMs`, at most `limit`. */
export interface Windowed { limit: number, windowMs: number }

/** What a team may use of one vendor. */
interface TeamVendor {
  /** The team's calls to the vendor, per sliding window, counted at dispatch. */
  quotas: Windowed[]
  /** The team's spend on the vendor per sliding window. */
  budget?: Windowed
}

export interface TeamConfig {
  name: string
  /** The team's share of each vendor against the other teams with work ready for it. */
  weight: number
  /** Jobs the team may submit: `burst` in each fixed window of `burst / perSecond` seconds, fleet-wide. */
  intake?: { perSecond: number, burst: number }
  /** The team's spend, all vendors together, per sliding window. */
  budget?: Windowed
  /** Only the vendors the entry names. */
  vendors: ReadonlyMap<string, TeamVendor>
  /**
   * Completion webhooks: the default URL, the Standard Webhooks secret (`whsec_`; open mode's team has
   * none without NOTIFY_SECRET), and the hosts a Notify-Url may name.
   */
  notify?: { url?: string, secret?: string, allowedHosts: string[] }
}

export interface Teams {
  /** False in open mode (no TEAMS_FILE): one team, `default`, and no key asked. */
  keyed: boolean
  byName: ReadonlyMap<string, TeamConfig>
  /** The team each key names, by the key's digest (keyId): keys are kept only as digests. */
  byKey: ReadonlyMap<string, string>
}

export const OPEN_TEAMS: Teams = {
  keyed: false,
  byName: new Map([[DEFAULT_TEAM, { name: DEFAULT_TEAM, weight: 1, vendors: new Map() }]]),
  byKey: new Map()
}

class TeamsFileError extends Error {
  override name = 'TeamsFileError'
}

/** A key is at least this long: anything shorter could be guessed. */
const MIN_KEY_LENGTH = 16
export interface TeamsContext {
  /** Where the key and secret variables are read. */
  env: Record<string, string | undefined>
  vendors: readonly string[]
  /** No team key may be the admin token: a bearer token names one caller. */
  adminToken?: string
  /** False where no job route is served (a standalone worker): the keys' variables are then neither needed nor read. */
  keys?: boolean
}

/**
 * Teams from a parsed TEAMS_FILE, every field checked; the first problem is one line naming the team and
 * the dotted field. Keys are read from the environment and kept only as digests.
 */
export function parseTeams (entries: unknown, ctx: TeamsContext, source = 'TEAMS_FILE'): Teams {
  const fail = (team: string, path: string, message: string): never => {
    throw new TeamsFileError(`${source} is invalid: team "${team}": ${path === '' ? '' : `${path}: `}${message}`)
  }
  if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) throw new TeamsFileError(`${source} is invalid: not an object of teams by name`)
  if (Object.keys(entries).length === 0) throw new TeamsFileError(`${source} is invalid: it names no team`)
  const byName = new Map<string, TeamConfig>()
  const byKey = new Map<string, string>()
  const admin = ctx.adminToken === undefined ? undefined : keyId(ctx.adminToken)
  const windowOf = (team: string, path: string, window: string | number): number => parseDuration(window) ?? fail(team, path, 'a window must be longer than 0')
  const windowed = (team: string, path: string, w: { limit: number, window: string | number }): Windowed => ({ limit: w.limit, windowMs: windowOf(team, `${path}.window`, w.window) })
  const secret = (team: string, path: string, name: string): string => {
    const value = ctx.env[name]
    if (value === undefined || value === '') fail(team, path, `the variable ${name} is not set`)
    return value as string
  }

  for (const [name, entry] of Object.entries(entries)) {
    if (!new RegExp(TEAM_NAME).test(name)) fail(name, '', `a team's name is 1 to 63 of a-z, 0-9, _ and -, starting with a letter or digit`)
    const problem = firstProblem(TeamEntry, entry)
    if (problem !== undefined) fail(name, problem.path, problem.message)
    const team = entry as typeof TeamEntry.static

    for (const [i, { env }] of ctx.keys === false ? [] : team.keys.entries()) {
      const key = secret(name, `keys.${i}.env`, env)
      if (key.length < MIN_KEY_LENGTH) fail(name, `keys.${i}.env`, `${env} holds a key shorter than ${MIN_KEY_LENGTH} characters`)
      if (!BEARER_TOKEN.test(key)) fail(name, `keys.${i}.env`, `${env} holds characters a bearer token cannot carry (A-Z a-z 0-9 - . _ ~ + / and a trailing =)`)
      const id = keyId(key)
      if (id === admin) fail(name, `keys.${i}.env`, `${env} holds the admin token; a team's key must be its own`)
      const owner = byKey.get(id)
      if (owner !== undefined && owner !== name) fail(name, `keys.${i}.env`, `${env} holds a key of team "${owner}" too; a key names one team`)
      byKey.set(id, name)
    }

    if (team.intake !== undefined) {
      // A fixed window of `burst` jobs, as long as `burst` takes at `perSecond`; windows are whole seconds.
      const seconds = team.intake.burst / team.intake.perSecond
      if (Math.abs(seconds - Math.round(seconds)) > 1e-9 || seconds < 1) {
        fail(name, 'intake', `burst / perSecond is the window in which up to burst jobs are taken and must be a whole number of seconds (${team.intake.burst} / ${team.intake.perSecond} is not)`)
      }
    }

    const vendors = new Map<string, TeamVendor>()
    for (const [vendor, limits] of Object.entries(team.vendors ?? {})) {
      if (!ctx.vendors.includes(vendor)) fail(name, `vendors.${vendor}`, `no such vendor; known vendors: ${ctx.vendors.join(', ')}`)
      vendors.set(vendor, {
        quotas: (limits.quotas ?? []).map((q, i) => windowed(name, `vendors.${vendor}.quotas.${i}`, q)),
        ...(limits.budget === undefined ? {} : { budget: windowed(name, `vendors.${vendor}.budget`, limits.budget) })
      })
    }

    let notify: TeamConfig['notify']
    if (team.notify !== undefined) {
      const value = secret(name, 'notify.secret.env', team.notify.secret.env)
      if (!isWebhookSecret(value)) fail(name, 'notify.secret.env', `${team.notify.secret.env} must hold ${WEBHOOK_SECRET_RULE}`)
      const allowedHosts = team.notify.allowedHosts ?? []
      const url = team.notify.url
      const problem = url === undefined ? undefined : notifyUrlProblem(url, allowedHosts)
      if (problem !== undefined) fail(name, 'notify.url', `${problem} (notify.allowedHosts)`)
      notify = { ...(url === undefined ? {} : { url }), secret: value, allowedHosts }
    }

    byName.set(name, {
      name,
      weight: team.weight ?? 1,
      ...(team.intake === undefined ? {} : { intake: team.intake }),
      ...(team.budget === undefined ? {} : { budget: windowed(name, 'budget', team.budget) }),
      vendors,
      ...(notify === undefined ? {} : { notify })
    })
  }
  return { keyed: true, byName, byKey }
}

/** TEAMS_FILE read and checked; without it, open mode. */
export function loadTeams (file: string | undefined, ctx: TeamsContext): Teams {
  if (file === undefined || file === '') return OPEN_TEAMS
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new TeamsFileError(`TEAMS_FILE ${file} cannot be read as JSON: ${(err as Error).message}`)
  }
  return parseTeams(parsed, ctx, `TEAMS_FILE ${file}`)
}

/** The teams' own quotas on one vendor, for the teams that have any: what its take counts per team. */
export function teamQuotasOn (teams: Teams, vendor: string): ReadonlyMap<string, Windowed[]> {
  const quotas = new Map<string, Windowed[]>()
  for (const team of teams.byName.values()) {
    const own = team.vendors.get(vendor)?.quotas ?? []
    if (own.length > 0) quotas.set(team.name, own)
  }
  return quotas
}

/**
 * The budgets that bound each team's calls of one vendor, in micros: its own over all vendors and its
 * budget on this vendor, for the teams that have any. What the vendor's take reserves against.
 */
export function budgetsOn (teams: Teams, vendor: string): ReadonlyMap<string, BudgetRule[]> {
  const budgets = new Map<string, BudgetRule[]>()
  for (const team of teams.byName.values()) {
    const rules: BudgetRule[] = []
    if (team.budget !== undefined) rules.push({ limit: toMicros(team.budget.limit), windowMs: team.budget.windowMs, team: true })
    const own = team.vendors.get(vendor)?.budget
    if (own !== undefined) rules.push({ limit: toMicros(own.limit), windowMs: own.windowMs, team: false })
    if (rules.length > 0) budgets.set(team.name, rules)
  }
  return budgets
}

/** A team's weight; 1 for a team the file does not name (jobs kept from before it changed). */
export const weightOf = (teams: Teams) => (team: string): number => teams.byName.get(team)?.weight ?? 1
