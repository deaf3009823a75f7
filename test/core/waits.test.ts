import { test } from 'tap'
import { createWaits } from '../../core/waits.js'

test('a wait wakes as soon as a job it watches ends, and only for those', async (t) => {
  const waits = createWaits(10)
  const wait = waits.open(['a', 'b'])
  const started = Date.now()
  setTimeout(() => {
    waits.ended('other')
    waits.ended('b')
  }, 30)
  t.equal(await wait.next(started + 5_000), 'b')
  t.ok(Date.now() - started < 1_000, 'at once, not at the end of the wait')
  waits.ended('a')
  t.equal(await wait.next(started + 5_000), 'a', 'an end told while nobody awaited is kept')
  wait.close()
  t.equal(waits.size, 0)
})

test('a wait answers nothing once its time is over or its client went away', async (t) => {
  const waits = createWaits(10)
  const wait = waits.open(['a'])
  const started = Date.now()
  t.equal(await wait.next(started + 50), undefined)
  t.ok(Date.now() - started >= 45, 'after its time')
  const gone = new AbortController()
  setTimeout(() => gone.abort(), 20)
  t.equal(await wait.next(Date.now() + 5_000, gone.signal), undefined)
  wait.close()
})

test('past the bound no wait opens, and closing releases every open wait at once', async (t) => {
  const waits = createWaits(2)
  const first = waits.open(['a'])
  const second = waits.open(['b'])
  t.throws(() => waits.open(['c']), { name: 'TooManyWaitsError' })
  const pending = [first.next(Date.now() + 60_000), second.next(Date.now() + 60_000)]
  const closing = Date.now()
  waits.close()
  t.same(await Promise.all(pending), [undefined, undefined])
  t.ok(Date.now() - closing < 1_000)
  first.close()
  t.equal(waits.size, 1, 'a closed wait gives its place back')
})
