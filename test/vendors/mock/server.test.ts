import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'tap'
import { request } from 'undici'
import { DEV_SECRETS, DIALECT_PORTS } from '../../../vendors/mock/dialects.js'
import { freePort } from '../../free-port.js'
import { until } from '../adapters/receiver.js'

async function answers (url: string): Promise<boolean> {
  try {
    const res = await request(url)
    await res.body.dump()
    return res.statusCode === 200
  } catch {
    return false
  }
}

test('npm run vendors starts every mock on the port its variable names, and stops on SIGTERM', async (t) => {
  const names = ['SYNC_VENDOR_PORT', 'ASYNC_VENDOR_PORT', ...Object.values(DIALECT_PORTS).map((d) => d.env)]
  const ports: Record<string, string> = {}
  for (const name of names) ports[name] = String(await freePort())
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'vendors/mock/server.ts'], {
    env: { ...process.env, ...ports, HOST: '127.0.0.1', LOG_LEVEL: 'silent', PEOPLE_API_KEY: 'people-key-from-env' },
    stdio: 'inherit'
  })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  for (const name of names) {
    t.ok(await until(() => answers(`http://127.0.0.1:${ports[name]}/admin/stats`), 15_000), `${name} answers`)
  }
  const people = await request(`http://127.0.0.1:${ports.PEOPLE_VENDOR_PORT}/v2/people/find?email=a@b.c`, {
    headers: { authorization: 'Bearer people-key-from-env' }
  })
  await people.body.dump()
  t.equal(people.statusCode, 200, 'the people vendor takes its key from PEOPLE_API_KEY')
  const poll = await request(`http://127.0.0.1:${ports.POLL_VENDOR_PORT}/jobs/x`, { headers: { 'x-api-key': DEV_SECRETS.POLL_API_KEY } })
  await poll.body.dump()
  t.equal(poll.statusCode, 404, 'an unset variable leaves its development value')
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0)
})
