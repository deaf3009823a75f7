import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'tap'
import { claim } from './free-port.js'

const file = (port: number): string => join(tmpdir(), 'vfs-test-ports', String(port))
/** A port outside the range freePort draws from, so that no test beside this one claims it. */
const PORT = 25_999

test('a port claimed by a live process is not claimed again, and one whose claimer has ended is', async (t) => {
  t.teardown(() => rmSync(file(PORT), { force: true }))
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
  t.teardown(() => sleeper.kill())
  rmSync(file(PORT), { force: true })
  t.ok(claim(PORT), 'a port nobody claimed')
  t.notOk(claim(PORT), 'not twice by this process')
  writeFileSync(file(PORT), String(sleeper.pid))
  t.notOk(claim(PORT), 'not while another live process holds it')
  sleeper.kill()
  await once(sleeper, 'exit')
  t.ok(claim(PORT), 'once its claimer has ended')
})
