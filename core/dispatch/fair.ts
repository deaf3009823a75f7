/**
 * The weighted fair share of one vendor between the teams with work ready for it (stride scheduling):
 * each ready team has a pass, the next call goes to the team with the lowest pass (ties by name), and a
 * team's pass moves on by 1 / weight for every call it gets. So over any stretch where two teams have
 * work, their calls split by their weights; a team with nothing ready is left out, and one alone gets the
 * whole vendor. The same rules run in take.lua and in the in-memory queue.
 */

/**
 * The pass of a team whose work is ready again: the vendor's virtual time (the lowest pass of the teams ready
 * after the last turn), or its own pass if later, so that waiting banks no share and costs no more than a turn.
 */
export function readyPass (ownPass: number | undefined, vtime: number): number {
  return Math.max(ownPass ?? 0, vtime)
}

/**
 * How many calls the team with the lowest pass gets in one turn: as many as keep its pass from passing
 * the next team's (`nextPass`, absent when it is the only one ready), at least one, at most `room`.
 */
export function turn (pass: number, weight: number, nextPass: number | undefined, room: number): number {
  if (nextPass === undefined) return room
  return Math.max(1, Math.min(room, 1 + Math.floor((nextPass - pass) * weight)))
}
