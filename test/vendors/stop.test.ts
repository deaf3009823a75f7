import { test } from 'tap'
import { CallStop } from '../../vendors/stop.js'

test('a stop tells its reason once, to whoever hears it then, and keeps the first reason', async (t) => {
  const stop = new CallStop()
  t.equal(stop.aborted, false)
  t.equal(stop.reason, undefined)
  const heard: string[] = []
  stop.hear({ stopped: (reason) => heard.push(reason.message) })
  stop.abort(new Error('lease lost'))
  stop.abort(new Error('worker stopping'))
  t.equal(stop.aborted, true)
  t.equal(stop.reason?.message, 'lease lost', 'a later stop changes nothing')
  t.same(heard, ['lease lost'], 'heard once')
})

test('a listener taken back hears nothing, and a new one replaces the old', async (t) => {
  const stop = new CallStop()
  const heard: string[] = []
  stop.hear({ stopped: () => heard.push('first') })
  stop.hear(undefined)
  stop.hear({ stopped: () => heard.push('second') })
  stop.abort(new Error('stop'))
  t.same(heard, ['second'])
  const quiet = new CallStop()
  quiet.hear({ stopped: () => heard.push('taken back') })
  quiet.hear(undefined)
  quiet.abort(new Error('stop'))
  t.same(heard, ['second'], 'nobody hears a stop after its listener was taken back')
})
