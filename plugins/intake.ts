import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { redisIntakeCounters } from '../core/backends/redis/intake.js'
import { redisKeys } from '../core/backends/redis/keys.js'
import { createIntake, MEMORY_COUNTERS } from '../core/teams/intake.js'
import { RateLimitedError } from './errors.js'

interface IntakeGuard {
  /**
   * Takes `n` jobs of the calling team's intake, all or none, and tells the client its window in the IETF
   * RateLimit-Policy and RateLimit fields; past it, 429 with Retry-After. Teams without a limit, and the
   * admin (who submits nothing), pass untouched.
   */
  take (request: FastifyRequest, reply: FastifyReply, n: number): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    intake: IntakeGuard
  }
}

/** The policy's name in the RateLimit fields (draft-ietf-httpapi-ratelimit-headers). */
const POLICY = '"intake"'

/** Intake limits per team: counted in Redis across the fleet when there is one, else in this process. */
async function intakePlugin (app: FastifyInstance): Promise<void> {
  const { redis } = app.config
  const counters = redis === undefined ? MEMORY_COUNTERS : redisIntakeCounters(app.redis, redisKeys(redis.prefix))
  const intake = createIntake(app.config.teams, counters)
  app.decorate('intake', {
    async take (request, reply, n) {
      if (!('team' in request.caller)) return
      const { team } = request.caller
      const decision = await intake.take(team, n)
      if (decision === undefined) return
      const { policy, remaining, resetS } = decision
      reply.header('ratelimit-policy', `${POLICY};q=${policy.quota};w=${policy.windowS}`)
      reply.header('ratelimit', `${POLICY};r=${remaining};t=${resetS}`)
      if (decision.allowed) return
      reply.header('retry-after', resetS)
      throw new RateLimitedError(team, `${policy.quota} jobs per ${policy.windowS} s`)
    }
  } satisfies IntakeGuard)
}

export default fp(intakePlugin, { name: 'intake', fastify: '5.x', dependencies: ['config', 'team-auth'] })
