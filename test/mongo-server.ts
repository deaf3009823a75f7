import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Db, MongoClient } from 'mongodb'
import tap from 'tap'
import { createMongoClient, describeMongoUrl } from '../core/backends/mongo/client.js'
import { freePort } from './free-port.js'
import type { Teardown } from './redis-server.js'

const external = (): string | undefined => process.env.TEST_MONGO_URL || undefined

function mongodBinary (): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, 'mongod')
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {}
  }
  return undefined
}

/**
 * tap's `skip` option: false when MongoDB tests can run, else the reason, loudly. Unlike Redis, never a
 * failure in CI: MongoDB cannot be installed on these machines, and docker-compose is where it runs.
 */
export function skipWithoutMongo (): false | string {
  if (external() !== undefined || mongodBinary() !== undefined) return false
  const reason = 'MongoDB tests skipped: no TEST_MONGO_URL and no mongod on PATH (set one, e.g. against docker-compose\'s mongo)'
  console.error(`\n${'!'.repeat(72)}\n!! ${reason}\n${'!'.repeat(72)}\n`)
  return reason
}

/** Where the tests run, without any credentials the URL carries. */
export function mongoTarget (): string {
  const url = external()
  return url === undefined ? 'a throwaway mongod' : `TEST_MONGO_URL (${describeMongoUrl(url).hosts})`
}

async function accepts (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

/** A mongod on a free port and an empty directory, killed and removed at teardown. */
async function startMongod (binary: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'vfs-mongo-'))
  const port = await freePort()
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind_ip', '127.0.0.1', '--dbpath', dir, '--quiet'],
    { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (data: Buffer) => { output = (output + data.toString()).slice(-2000) })
  // A crashed test process must not leave servers behind.
  const onExit = (): void => { child.kill('SIGKILL') }
  process.on('exit', onExit)
  tap.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) await Promise.all([once(child, 'exit'), child.kill('SIGKILL')])
    process.off('exit', onExit)
    rmSync(dir, { recursive: true, force: true })
  })
  for (const until = Date.now() + 30_000; !(await accepts(port));) {
    if (child.exitCode !== null || Date.now() > until) throw new Error(`mongod on port ${port} did not start:\n${output}`)
    await sleep(50)
  }
  return `mongodb://127.0.0.1:${port}`
}

let shared: Promise<{ url: string, client: MongoClient }> | undefined
const databases = new Set<string>()

async function connectShared (): Promise<{ url: string, client: MongoClient }> {
  const binary = mongodBinary()
  const url = external() ?? (binary === undefined ? undefined : await startMongod(binary))
  if (url === undefined) throw new Error('no mongod on PATH and TEST_MONGO_URL is not set')
  const client = await createMongoClient(url)
  // tap runs teardowns last-in first-out: this one before mongod's kill. It drops what tests left.
  tap.teardown(async () => {
    for (const name of databases) await client.db(name).dropDatabase()
    await client.close()
  })
  return { url, client }
}

/**
 * MongoDB for one test: its file's server (TEST_MONGO_URL's, or a mongod of its own) and a database of
 * its own, `vfs_test_<uuid>`, dropped at the test's teardown.
 */
export async function mongoFor (t: Teardown): Promise<{ url: string, db: Db }> {
  shared ??= connectShared()
  const { url, client } = await shared
  const name = `vfs_test_${randomUUID().replaceAll('-', '')}`
  databases.add(name)
  t.teardown(async () => {
    if (databases.delete(name)) await client.db(name).dropDatabase()
  })
  return { url, db: client.db(name) }
}

/** A MongoDB URL naming `database`, for a process started with MONGO_URL: the server's URL with its path replaced. */
export function mongoUrlOf (url: string, database: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(url)
  if (match?.[1] === undefined) throw new Error('not a MongoDB URL')
  return `${match[1]}/${database}${match[2] ?? ''}`
}
