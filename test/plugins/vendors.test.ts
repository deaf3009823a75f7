import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import { buildApp } from '../../app.js'
import { loadConfig } from '../../plugins/config.js'
import { listenTestApp, SECRET } from '../helper.js'
import { DIALECT_JOBS, ended, EXAMPLE, exampleVendors, postJob, startDialectMocks, useSecrets } from '../dialects.js'

useSecrets()

test('every dialect of vendors.example.json completes its jobs against its mock over real HTTP, in embedded mode', async (t) => {
  const { urls } = await startDialectMocks(t)
  const { url } = await listenTestApp(t, {}, exampleVendors(urls))
  const ids = await Promise.all(DIALECT_JOBS.map(({ vendor, body }) => postJob(url, { vendor, ...body })))
  for (const [i, { vendor, body, result, attempts = 1 }] of DIALECT_JOBS.entries()) {
    t.match(await ended(url, ids[i] ?? ''), { status: 'complete', vendor, attempts, result }, `${vendor} ${JSON.stringify(body)}`)
  }
})

test("the people vendor's 404 fails the job at once with the vendor's own words", async (t) => {
  const { urls } = await startDialectMocks(t)
  const { url } = await listenTestApp(t, {}, exampleVendors({ peopleVendor: urls.peopleVendor }))
  const job = await ended(url, await postJob(url, { vendor: 'peopleVendor', email: 'nobody@example.com' }))
  t.match(job, { status: 'failed', attempts: 1, error: 'no person with email nobody@example.com' })
})

/** The VENDORS_FILE entries, as the service reads them at start; the one-line message it refuses them with. */
async function refusal (t: { testdir (): string }, entries: Record<string, unknown>): Promise<string> {
  const file = join(t.testdir(), 'vendors.json')
  writeFileSync(file, JSON.stringify(entries))
  try {
    const app = await buildApp(loadConfig({ VENDORS_FILE: file, MOCK_VENDORS: 'off', WORKER: 'off', ASYNC_VENDOR_SECRET: SECRET, LOG_LEVEL: 'silent' }))
    await app.close()
    return 'started'
  } catch (err) {
    return (err as Error).message
  }
}

const { peopleVendor: people, pollVendor: poll, directoryVendor: directory } = EXAMPLE

const START_ERRORS: Array<[string, Record<string, unknown>, RegExp]> = [
  ['a bad expression', { peopleVendor: { ...people, response: { result: 'body.(person' } } }, /^vendor "peopleVendor": response\.result: Expected "\)" before end of expression \(S0203 at \d+\)$/],
  ['an unknown auth type', { peopleVendor: { ...people, auth: { type: 'digest', token: { env: 'PEOPLE_API_KEY' } } } }, /vendor "peopleVendor": auth\.type: "digest" is not known \(one of bearer, header, query, basic, oauth2-client-credentials\)$/],
  ['a missing secret variable', { peopleVendor: { ...people, auth: { type: 'bearer', token: { env: 'UNSET_PEOPLE_KEY' } } } }, /^vendor "peopleVendor": auth\.token: environment variable UNSET_PEOPLE_KEY is not set$/],
  ['a poll vendor without poll.done', { pollVendor: { ...poll, poll: { ...poll.poll, done: undefined } } }, /vendor "pollVendor": poll\.done: Expected required property$/],
  ['a payload schema Ajv cannot compile', {
    directoryVendor: { ...directory, types: { ...directory.types, user_data: { ...directory.types?.user_data, payload: { type: 'object', properties: { userId: { type: 'integr' } } } } } }
  }, /^vendor "directoryVendor": types\.user_data\.payload: schema is invalid: data\/properties\/userId\/type must be /]
]

for (const [what, entries, message] of START_ERRORS) {
  test(`a VENDORS_FILE with ${what} stops the start with one line naming the vendor and the field`, async (t) => {
    const refused = await refusal(t, entries)
    t.match(refused, message)
    t.notMatch(refused, /\n/, 'one line')
  })
}

test('the API started as a process with a vendor whose secret variable is unset exits 1 with one line on stderr', async (t) => {
  const file = join(t.testdir(), 'vendors.json')
  writeFileSync(file, JSON.stringify({ peopleVendor: people }))
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', VENDORS_FILE: file, PORT: '0', MOCK_VENDORS: 'off', ASYNC_VENDOR_SECRET: SECRET, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 20_000
  })
  t.equal(run.status, 1)
  t.equal(run.stderr, 'cannot start the API: vendor "peopleVendor": auth.token: environment variable PEOPLE_API_KEY is not set\n')
})
