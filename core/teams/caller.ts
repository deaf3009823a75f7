import { DEFAULT_TEAM } from '../job.js'
import type { Teams } from './config.js'
import { bearerToken, keyId, matchesDigest } from './keys.js'

/** Who calls a job route: a team, by one of its keys (or open mode's one team), or the operator by the admin token. */
export type Caller = { team: string } | { admin: true }

const OPEN_CALLER: Caller = { team: DEFAULT_TEAM }

/** Why a caller could not be told: no bearer token at all, or one that names nobody. */
export type Unidentified = 'missing' | 'unknown'

/**
 * The caller an Authorization header names. In open mode everyone is the default team and the header is
 * not read. Keys are looked up by their digest, so that the lookup's timing tells nothing of a key.
 */
export function identify (teams: Teams, admin: Buffer | undefined, authorization: string | undefined): Caller | Unidentified {
  if (!teams.keyed) return OPEN_CALLER
  const token = bearerToken(authorization)
  if (token === undefined) return 'missing'
  if (admin !== undefined && matchesDigest(token, admin)) return { admin: true }
  const team = teams.byKey.get(keyId(token))
  return team === undefined ? 'unknown' : { team }
}

/** The team whose jobs the caller sees; undefined for the admin, who sees every team's. */
export const scopeOf = (caller: Caller): string | undefined => 'team' in caller ? caller.team : undefined

/** Whether the caller may see a job: its own team's, or any for the admin. */
export const sees = (caller: Caller, job: { team: string }): boolean => !('team' in caller) || caller.team === job.team
