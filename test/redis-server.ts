import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import tap from 'tap'
import { freePort } from './free-port.js'

/** The part of a tap test the harness uses. */
export type Teardown = { teardown (fn: () => unknown): void }

export interface TestRedis {
  url: string
  port: number
  /** SIGTERM, then wait for the exit: Redis flushes its AOF on the way out. */
  stop (): Promise<void>
  /** SIGKILL, then wait for the exit: a crash. */
  kill (): Promise<void>
  /** Starts it again on the same port and directory, so AOF data survives. */
  start (): Promise<void>
}

const external = (): string | undefined => process.env.TEST_REDIS_URL || undefined
const inCI = (): boolean => !['', '0', 'false'].includes(process.env.CI ?? '')

function redisServerBinary (): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, 'redis-server')
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {}
  }
  return undefined
}

/** `stoppable`: the test stops or restarts the server, which it must never do to TEST_REDIS_URL's. */
export function redisAvailable (opts: { stoppable?: boolean } = {}): { ok: true } | { ok: false, reason: string } {
  if (opts.stoppable && external()) return { ok: false, reason: 'TEST_REDIS_URL names a server these tests must not stop or restart (unset it to use redis-server)' }
  return external() || redisServerBinary() ? { ok: true } : { ok: false, reason: 'no redis-server on PATH and TEST_REDIS_URL is not set (install one or set the other)' }
}

/** tap's `skip` option: false when Redis tests can run, else the reason, loudly; in CI a failure, never a skip. */
export function skipWithoutRedis (t: { fail (message: string): unknown }, opts: { stoppable?: boolean } = {}): false | string {
  const available = redisAvailable(opts)
  if (available.ok) return false
  const reason = `Redis tests skipped: ${available.reason}`
  if (inCI()) t.fail(`${reason}; in CI every Redis test must run`)
  else console.error(`\n${'!'.repeat(72)}\n!! ${reason}\n${'!'.repeat(72)}\n`)
  return reason
}

async function answersPing (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
    socket.once('data', (data) => { socket.destroy(); resolve(data.toString().startsWith('+PONG')) })
    socket.once('error', () => resolve(false))
    socket.setTimeout(1_000, () => { socket.destroy(); resolve(false) })
  })
}

function externalRedis (url: string): TestRedis {
  const refuse = async (): Promise<never> => { throw new Error('TEST_REDIS_URL names an external server: the harness never stops or restarts it') }
  return { url, port: Number(new URL(url).port || 6379), stop: refuse, kill: refuse, start: refuse }
}

/**
 * A throwaway redis-server on a free port and an empty directory, killed and removed at teardown; or
 * TEST_REDIS_URL's. `args` are more redis-server options, e.g. `['--save', '3600 1']`.
 */
export async function startRedis (t: Teardown, opts: { appendonly?: boolean, args?: string[] } = {}): Promise<TestRedis> {
  const url = external()
  if (url !== undefined) return externalRedis(url)
  const binary = redisServerBinary()
  if (binary === undefined) throw new Error('no redis-server on PATH and TEST_REDIS_URL is not set')
  const dir = mkdtempSync(join(tmpdir(), 'vfs-redis-'))
  let port = 0
  let child: ChildProcess | undefined
  // A crashed test process must not leave servers behind.
  const onExit = (): void => { child?.kill('SIGKILL') }
  process.on('exit', onExit)

  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    const running = child
    child = undefined
    if (running?.exitCode === null && running.signalCode === null) await Promise.all([once(running, 'exit'), running.kill(sig)])
  }
  const start = async (): Promise<void> => {
    if (child !== undefined) throw new Error('redis-server is already running')
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', opts.appendonly ? 'yes' : 'no', '--dir', dir, ...opts.args ?? []]
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    let output = ''
    for (const stream of [proc.stdout, proc.stderr]) stream?.on('data', (data: Buffer) => { output = (output + data.toString()).slice(-2000) })
    for (const until = Date.now() + 10_000; !(await answersPing(port));) {
      if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > until) {
        await signal('SIGKILL')
        throw new Error(`redis-server on port ${port} did not answer PING:\n${output}`)
      }
      await sleep(20)
    }
  }

  t.teardown(async () => {
    await signal('SIGKILL')
    process.off('exit', onExit)
    rmSync(dir, { recursive: true, force: true })
  })
  // Another process may take the free port before redis-server binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    try {
      await start()
      return { url: `redis://127.0.0.1:${port}`, port, start, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') }
    } catch (err) {
      if (attempt === 3) throw err
    }
  }
}

let shared: Promise<TestRedis> | undefined

/**
 * Redis for one test: its file's server (each test file is a process) and a key prefix of its own, for
 * `redisKeys(prefix)`. On TEST_REDIS_URL's server, which others may share, its keys go at teardown.
 */
export async function redisFor (t: Teardown): Promise<{ url: string, prefix: string }> {
  shared ??= startRedis(tap)
  const { url } = await shared
  const prefix = `test-${randomUUID()}`
  if (external() !== undefined) {
    t.teardown(async () => {
      const redis = new Redis(url)
      const scan = redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>
      for await (const keys of scan) if (keys.length > 0) await redis.del(...keys)
      redis.disconnect()
    })
  }
  return { url, prefix }
}
