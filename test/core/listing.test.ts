import { test } from 'tap'
import { decodeCursor, encodeCursor, isAfter, newerFirst, type Position, positionBetween } from '../../core/listing.js'

test('a position between two neighbours names neither, and reads on exactly from the next', async (t) => {
  const last: Position = { createdAt: 5, id: 'c3a9e0aa-0000-4000-8000-000000000001' }
  const sameMs: Position = { createdAt: 5, id: 'c39f0000-0000-4000-8000-000000000002' }
  const between = positionBetween(last, sameMs)
  t.same(between, { createdAt: 5, id: 'c3a' }, 'the shortest head of the last id above the next')
  t.ok(newerFirst(last, between) < 0 && isAfter(sameMs, between), 'after the last, and the next comes after it')
  t.same(positionBetween(last, { createdAt: 4, id: 'ffffffff-0000-4000-8000-000000000003' }), { createdAt: 5, id: '0' }, 'across ms: below every id of the last one\'s ms')
  t.same(decodeCursor(encodeCursor(between)), between, 'a cursor holds it')
  t.equal(decodeCursor(Buffer.from('5:c3a9e0aa-0000-4000-8000-0000000000011').toString('base64url')), undefined, 'longer than an id is no cursor')
})
