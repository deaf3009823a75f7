import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import openapiTS, { astToString } from 'openapi-typescript'
import { test } from 'tap'
import { request } from 'undici'
import { loadConfig } from '../../plugins/config.js'
import { buildTestApp, freePort, SECRET } from '../helper.js'
import { exampleVendors, startDialectMocks, useSecrets } from '../dialects.js'

useSecrets()

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
// Asynchronous: the service the client calls runs in this very process.
const run = promisify(execFile)

/** A team's client, written against the generated types only: a typed user_data job, and one the types must refuse. */
const CLIENT = `import createClient from 'openapi-fetch'
import type { components, paths } from './api.js'

type UserJob = components['schemas']['Job_directoryVendor_user_data']
const job: UserJob = { vendor: 'directoryVendor', type: 'user_data', userId: 42 }
// @ts-expect-error the vendor's user_data schema makes userId an integer
export const wrong: UserJob = { vendor: 'directoryVendor', type: 'user_data', userId: 'forty-two' }

const api = createClient<paths>({ baseUrl: process.env.BASE_URL })
const submitted = await api.POST('/jobs', { body: job })
const id = submitted.data?.request_id ?? ''
for (;;) {
  const { data } = await api.GET('/jobs/{id}', { params: { path: { id } } })
  if (data?.status === 'complete' || data?.status === 'failed') {
    console.log(JSON.stringify(data))
    break
  }
  await new Promise((resolve) => setTimeout(resolve, 50))
}
`

test("a client generated from a running service's /openapi.json knows a configured vendor's job types, compiles with tsc and completes a typed job", async (t) => {
  const { urls } = await startDialectMocks(t)
  const dir = t.testdir()
  const vendorsFile = join(dir, 'vendors.json')
  writeFileSync(vendorsFile, JSON.stringify(exampleVendors({ directoryVendor: urls.directoryVendor })))
  const port = await freePort()
  // No load shedding: the app shares its event loop with the test, whose tsc run stalls it (as testConfig does).
  const app = await buildTestApp(t, loadConfig({ VENDORS_FILE: vendorsFile, PORT: String(port), MOCK_VENDORS: 'off', ASYNC_VENDOR_SECRET: SECRET, LOG_LEVEL: 'silent', MAX_EVENT_LOOP_DELAY_MS: '0' }))
  const base = await app.listen({ port, host: '127.0.0.1' })

  const spec = await (await request(`${base}/openapi.json`)).body.json() as { components: { schemas: Record<string, unknown> } }
  t.ok(spec.components.schemas.Job_directoryVendor_user_data, 'the served contract publishes the type')
  writeFileSync(join(dir, 'api.d.ts'), astToString(await openapiTS(spec as Parameters<typeof openapiTS>[0])))
  writeFileSync(join(dir, 'client.ts'), CLIENT)
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2023', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true },
    files: ['client.ts']
  }))

  const tsc = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { timeout: 60_000 }).catch((err: { stdout: string }) => err)
  t.equal(tsc.stdout, '', 'tsc compiles the client against the generated types')
  const client = await run(process.execPath, ['--import', 'tsx', join(dir, 'client.ts')], { cwd: ROOT, env: { ...process.env, BASE_URL: base }, timeout: 30_000 })
  t.match(JSON.parse(client.stdout), { status: 'complete', vendor: 'directoryVendor', result: { id: 42, name: 'User 42' } })
})
