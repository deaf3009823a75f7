import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'tap'
import { parseTeams } from '../../../core/teams/config.js'
import { createIntake, type IntakeCounters } from '../../../core/teams/intake.js'
import type { Teardown } from '../../redis-server.js'

const teams = parseTeams({
  batchy: { keys: [{ env: 'A' }], intake: { perSecond: 1, burst: 5 } },
  quick: { keys: [{ env: 'B' }], intake: { perSecond: 1, burst: 1 } },
  free: { keys: [{ env: 'C' }] }
}, { env: { A: 'a-key-0123456789abc', B: 'b-key-0123456789abc', C: 'c-key-0123456789abc' }, vendors: [] })

/**
 * What every place of intake windows must do. `fleet`: two limiters built over the counters (two API
 * processes) share each team's window.
 */
export function intakeContract (name: string, skip: false | string, counters: (t: Teardown) => Promise<IntakeCounters>, fleet: boolean): void {
  test(`${name}: a team takes burst jobs a window; a take that does not fit is refused whole and leaves the window as it was`, { skip }, async (t) => {
    const intake = createIntake(teams, await counters(t))
    t.match(await intake.take('batchy', 3), { allowed: true, remaining: 2, policy: { quota: 5, windowS: 5 } })
    t.match(await intake.take('batchy', 3), { allowed: false, remaining: 2 }, 'three do not fit in two')
    t.match(await intake.take('batchy', 2), { allowed: true, remaining: 0 }, 'the two that were left are still there')
    const refused = await intake.take('batchy', 1)
    t.match(refused, { allowed: false, remaining: 0 })
    t.ok((refused?.resetS ?? 0) >= 1 && (refused?.resetS ?? 0) <= 5, `reset in ${refused?.resetS} s`)
    t.equal(await intake.take('free', 1_000), undefined, 'a team without intake has no limit')
  })

  test(`${name}: the window starts again once it ends`, { skip }, async (t) => {
    const intake = createIntake(teams, await counters(t))
    t.match(await intake.take('quick', 1), { allowed: true, policy: { quota: 1, windowS: 1 } })
    t.match(await intake.take('quick', 1), { allowed: false, resetS: 1 })
    await sleep(1_100)
    t.match(await intake.take('quick', 1), { allowed: true })
  })

  if (fleet) {
    test(`${name}: two API processes share each team's window`, { skip }, async (t) => {
      const [a, b] = [createIntake(teams, await counters(t)), createIntake(teams, await counters(t))]
      const taken = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).take('batchy', 1)))
      t.equal(taken.filter((d) => d?.allowed === true).length, 5)
    })
  }
}
