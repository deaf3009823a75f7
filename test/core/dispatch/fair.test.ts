import { test } from 'tap'
import { readyPass, turn } from '../../../core/dispatch/fair.js'

test('a team ready again starts at the vendor\'s virtual time, or its own pass when later', async (t) => {
  t.equal(readyPass(undefined, 12), 12, 'a new team')
  t.equal(readyPass(3, 12), 12, 'one that waited banks nothing')
  t.equal(readyPass(20, 12), 20, 'one that ran ahead keeps its place')
})

test('a turn keeps the lowest team from passing the next, at least one call, at most the room', async (t) => {
  t.equal(turn(0, 1, undefined, 64), 64, 'alone: all of it')
  t.equal(turn(0, 3, 1, 64), 4, 'weight 3, the next a pass ahead: three more and one')
  t.equal(turn(0, 1, 0, 64), 1, 'a tie: one, then the other')
  t.equal(turn(0, 100, 5, 10), 10, 'never past the room')
})

test('two teams served turn by turn split the calls by their weights', async (t) => {
  const weights: Record<string, number> = { a: 3, b: 1 }
  const passes: Record<string, number> = { a: 0, b: 0 }
  const calls: Record<string, number> = { a: 0, b: 0 }
  for (let served = 0; served < 400;) {
    const [low, high] = Object.keys(passes).sort((x, y) => (passes[x] ?? 0) - (passes[y] ?? 0) || (x < y ? -1 : 1)) as [string, string]
    const n = turn(passes[low] ?? 0, weights[low] ?? 1, passes[high], 7)
    passes[low] = (passes[low] ?? 0) + n / (weights[low] ?? 1)
    calls[low] = (calls[low] ?? 0) + n
    served += n
  }
  t.ok(Math.abs((calls.a ?? 0) / ((calls.a ?? 0) + (calls.b ?? 0)) - 0.75) < 0.01, `${calls.a} to ${calls.b}`)
})
