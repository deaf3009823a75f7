import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import type { Teams } from './config.js'

/** One team's intake: at most `quota` jobs in each fixed window of `windowS` seconds. */
interface IntakePolicy {
  quota: number
  windowS: number
}

interface IntakeDecision {
  allowed: boolean
  policy: IntakePolicy
  /** Jobs the window still takes, after this take when it was allowed. */
  remaining: number
  /** Seconds until the window ends, at least 1. */
  resetS: number
}

export interface Intake {
  /** Takes `n` jobs of the team's intake, all or none (a batch that does not fit is refused whole); undefined for a team without a limit. */
  take (team: string, n: number): Promise<IntakeDecision | undefined>
}

/** Where the windows are counted: in this process, or in Redis for the whole fleet. */
export interface IntakeCounters {
  /** rate-limiter-flexible's fixed window of `points` per `durationS` seconds. */
  limiter (points: number, durationS: number): RateLimiterAbstract
  /** The limiter's key for a team. */
  key (team: string): string
  /** A refused take was counted all the same (the library's own increment) and must be given back. */
  countsRefusals: boolean
}

/** Embedded mode: this process is the whole fleet. */
export const MEMORY_COUNTERS: IntakeCounters = {
  limiter: (points, durationS) => new RateLimiterMemory({ points, duration: durationS }),
  key: (team) => team,
  countsRefusals: true
}

/**
 * Intake limits per team with rate-limiter-flexible: a fixed window of `burst` jobs, as long as `burst`
 * takes at `perSecond` (TEAMS_FILE requires a whole number of seconds). So the sustained rate is exactly
 * `perSecond`, a quiet team may send `burst` at once, one counter per team is read and written in one
 * round trip, and the window is one policy in the IETF RateLimit fields. Its price, that of every fixed
 * window: across a window's end a team may send two windows' worth in a short time. BurstyRateLimiter was
 * the other candidate; its burst allowance refills on its own, so the long-run rate would exceed `perSecond`.
 */
export function createIntake (teams: Teams, counters: IntakeCounters): Intake {
  const limits = new Map<string, { limiter: RateLimiterAbstract, policy: IntakePolicy, key: string }>()
  for (const team of teams.byName.values()) {
    if (team.intake === undefined) continue
    const policy = { quota: team.intake.burst, windowS: Math.round(team.intake.burst / team.intake.perSecond) }
    limits.set(team.name, { limiter: counters.limiter(policy.quota, policy.windowS), policy, key: counters.key(team.name) })
  }
  const resetS = (res: RateLimiterRes): number => Math.max(1, Math.ceil(res.msBeforeNext / 1000))
  return {
    async take (team, n) {
      const limit = limits.get(team)
      if (limit === undefined) return undefined
      const { limiter, policy, key } = limit
      try {
        const res = await limiter.consume(key, n)
        return { allowed: true, policy, remaining: res.remainingPoints, resetS: resetS(res) }
      } catch (refused) {
        if (!(refused instanceof RateLimiterRes)) throw refused
        if (counters.countsRefusals) await limiter.reward(key, n)
        // The refused jobs are counted in consumedPoints, not in the window.
        return { allowed: false, policy, remaining: Math.max(0, policy.quota - (refused.consumedPoints - n)), resetS: resetS(refused) }
      }
    }
  }
}
