import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { test } from 'tap'
import { parse } from 'yaml'
import { DEV_ASYNC_VENDOR_SECRET, loadVendors } from '../vendors/config.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const read = (file: string): string => readFileSync(join(root, file), 'utf8')

interface Service {
  image?: string
  build?: string
  command?: string[]
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  healthcheck?: { test: string[] }
  depends_on?: Record<string, { condition: string }>
}
// docker-compose reads YAML 1.1, whose << merge keys the file uses.
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> }
const { services } = compose

/** `docker-compose` (Debian's, as .ci/run installs) or the `docker compose` plugin, whichever runs. */
function composeCommand (): string[] | undefined {
  for (const command of [['docker-compose'], ['docker', 'compose']]) {
    const [bin = '', ...args] = command
    if (spawnSync(bin, [...args, 'version'], { stdio: 'ignore' }).status === 0) return command
  }
  return undefined
}

const command = composeCommand()
const inCI = !['', '0', 'false'].includes(process.env.CI ?? '')
if (command === undefined && !inCI) t.comment('docker-compose config -q skipped: neither docker-compose nor docker compose is installed')

/** `docker-compose config -q` with the environment given (and no ASYNC_VENDOR_SECRET from the caller's). */
function validate (env: Record<string, string>) {
  const [bin = '', ...args] = command ?? []
  const { ASYNC_VENDOR_SECRET: _ignored, ...inherited } = process.env
  return spawnSync(bin, [...args, 'config', '-q'], { cwd: root, encoding: 'utf8', env: { ...inherited, ...env } })
}

// .ci/run installs docker-compose, so in CI its absence is a failure, not a skip.
const noCompose = command === undefined && !inCI && 'no docker-compose installed'

test('docker-compose accepts the file', { skip: noCompose }, async (t) => {
  if (command === undefined) return t.fail('docker-compose is not installed, and CI must validate the compose file')
  const run = validate({ ASYNC_VENDOR_SECRET: 'a-secret-of-our-own' })
  t.equal(run.status, 0, run.stderr)
})

test('docker-compose refuses to run the stack without ASYNC_VENDOR_SECRET, saying which variable to set', { skip: noCompose }, async (t) => {
  if (command === undefined) return t.fail('docker-compose is not installed, and CI must validate the compose file')
  const run = validate({})
  t.not(run.status, 0)
  t.match(run.stderr, /set ASYNC_VENDOR_SECRET to a webhook secret of your own/)
})

test('no service falls back to the public development secret: the api, the worker and both mocks require one', async (t) => {
  t.notMatch(read('docker-compose.yml'), DEV_ASYNC_VENDOR_SECRET)
  for (const name of ['api', 'worker', 'sync-vendor', 'async-vendor']) {
    t.match(services[name]?.environment?.ASYNC_VENDOR_SECRET, /^\$\{ASYNC_VENDOR_SECRET:\?.+\}$/, name)
  }
})

test('the stack has the seed\'s services on the seed\'s ports', async (t) => {
  t.same(Object.keys(services).sort(), ['api', 'async-vendor', 'mongo', 'redis', 'sync-vendor', 'worker'])
  t.same(services.api?.ports, ['3000:3000'])
  t.same(services['sync-vendor']?.ports, ['3001:3001'])
  t.same(services['async-vendor']?.ports, ['3002:3002'])
  t.same(services.mongo?.ports, ['27017:27017'])
  t.same(services.redis?.ports, ['6379:6379'])
  t.equal(services.worker?.ports, undefined, 'the worker publishes nothing, so that it scales')
})

test('the api and the worker run in full mode from the one image, the worker on its own entry', async (t) => {
  for (const name of ['api', 'worker']) {
    t.match(services[name]?.environment, {
      REDIS_URL: 'redis://redis:6379', MONGO_URL: /^mongodb:\/\/mongo:27017\//, PUBLIC_URL: 'http://api:3000', VENDORS_FILE: 'vendors/compose.json'
    }, name)
  }
  t.equal(services.api?.environment?.WORKER, 'off')
  t.equal(services.worker?.environment?.WORKER_PORT, '3003')
  // The container runs the worker as `npm run worker` does, node flags included (package.json is their home).
  const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> }
  t.same(services.worker?.command, scripts.worker?.split(' '))
  t.match(scripts.worker, /^node .*dist\/workers\/worker\.js$/)
  for (const name of ['sync-vendor', 'async-vendor']) t.same(services[name]?.command, ['node', 'dist/vendors/mock/server.js'], name)
  const images = new Set(['api', 'worker', 'sync-vendor', 'async-vendor'].map((name) => `${services[name]?.build} ${services[name]?.image}`))
  t.same([...images], ['. vendor-fetch-service'])
})

test('the compose vendors file points the two vendors at the mock services, and the image carries it', async (t) => {
  const vendors = loadVendors(join(root, 'vendors/compose.json'), DEV_ASYNC_VENDOR_SECRET)
  t.equal(vendors.get('syncVendor')?.url, 'http://sync-vendor:3001')
  t.equal(vendors.get('asyncVendor')?.url, 'http://async-vendor:3002')
  t.match(read('Dockerfile'), /^COPY vendors\/compose\.json vendors\/compose\.json$/m)
})

test('redis keeps an append-only file and both databases keep their data in volumes', async (t) => {
  t.match(services.redis?.command?.join(' '), /--appendonly yes/)
  t.match(services.redis?.volumes, [/^redis-data:\/data$/])
  t.match(services.mongo?.volumes, [/^mongo-data:\/data\/db$/])
  t.match(services.mongo?.image, /^mongo:/)
})

test('every dependency waits for a healthy service, and each one it waits for has a healthcheck', async (t) => {
  const waits = Object.entries(services).flatMap(([name, s]) => Object.entries(s.depends_on ?? {}).map(([on, d]) => ({ name, on, ...d })))
  t.ok(waits.length >= 6)
  t.same(waits.filter((w) => w.condition !== 'service_healthy'), [])
  t.same(waits.filter((w) => services[w.on]?.healthcheck === undefined), [])
})

test('the image is built in two stages on Node 22, runs as node, and checks /health', async (t) => {
  const dockerfile = read('Dockerfile')
  t.equal(dockerfile.match(/^FROM node:22-/gm)?.length, 2, 'a build stage and a runtime stage')
  t.match(dockerfile, /^RUN npm ci --omit=dev/m)
  t.match(dockerfile, /^COPY core\/backends\/redis\/scripts core\/backends\/redis\/scripts$/m)
  t.match(dockerfile, /^USER node$/m)
  t.match(dockerfile, /^HEALTHCHECK .*\n.*\/health/m)
  t.match(dockerfile, /^CMD \["node", "dist\/server\.js"\]$/m)
})
