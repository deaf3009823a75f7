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

export type Availability = { ok: true } | { ok: false, reason: string }

/** The executable `name` as a shell would find it on PATH. */
export function onPath (name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {}
  }
  return undefined
}

/** `stoppable`: the test stops or restarts the server, which it must never do to TEST_REDIS_URL's. */
export function redisAvailable (opts: { stoppable?: boolean } = {}): Availability {
  if (opts.stoppable && external()) return { ok: false, reason: 'TEST_REDIS_URL names a server these tests must not stop or restart (unset it to use redis-server)' }
  return external() || onPath('redis-server') ? { ok: true } : { ok: false, reason: 'no redis-server on PATH and TEST_REDIS_URL is not set (install one or set the other)' }
}

/** tap's `skip` option: false when `what` can run, else the reason, loudly; in CI a failure, never a skip. */
export function skipLoudly (t: { fail (message: string): unknown }, what: string, available: Availability): false | string {
  if (available.ok) return false
  const reason = `${what} tests skipped: ${available.reason}`
  if (inCI()) t.fail(`${reason}; in CI every ${what} test must run`)
  else console.error(`\n${'!'.repeat(72)}\n!! ${reason}\n${'!'.repeat(72)}\n`)
  return reason
}

export function skipWithoutRedis (t: { fail (message: string): unknown }, opts: { stoppable?: boolean } = {}): false | string {
  return skipLoudly(t, 'Redis', redisAvailable(opts))
}

async function answersPing (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write('PING\r\n'))
    socket.once('data', (data) => { socket.destroy(); resolve(data.toString().startsWith('+PONG')) })
    socket.once('error', () => resolve(false))
    socket.setTimeout(1_000, () => { socket.destroy(); resolve(false) })
  })
}

/** One redis-server with a fixed port, directory and arguments, so that a restart finds its files again. */
export interface RedisProcess {
  readonly port: number
  /** Spawns it and waits until it answers PING. */
  start (): Promise<void>
  /** SIGTERM, then wait for the exit: Redis flushes its AOF on the way out. */
  stop (): Promise<void>
  /** SIGKILL, then wait for the exit: a crash. */
  kill (): Promise<void>
}

export function redisProcess (binary: string, port: number, dir: string, args: string[]): RedisProcess {
  let child: ChildProcess | undefined
  // A crashed test process must not leave servers behind.
  const onExit = (): void => { child?.kill('SIGKILL') }

  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    const running = child
    child = undefined
    if (running?.exitCode === null && running.signalCode === null) await Promise.all([once(running, 'exit'), running.kill(sig)])
  }
  const start = async (): Promise<void> => {
    if (child !== undefined) throw new Error(`redis-server on port ${port} is already running`)
    const proc = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    process.on('exit', onExit)
    proc.once('exit', () => process.off('exit', onExit))
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
  return { port, start, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL') }
}

/** Another process may take a free port before redis-server binds it: tries a few. */
export async function startOnFreePort (pick: () => Promise<number>, make: (port: number) => RedisProcess): Promise<RedisProcess> {
  for (let attempt = 1; ; attempt++) {
    const server = make(await pick())
    try {
      await server.start()
      return server
    } catch (err) {
      if (attempt === 3) throw err
    }
  }
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
  const binary = onPath('redis-server')
  if (binary === undefined) throw new Error('no redis-server on PATH and TEST_REDIS_URL is not set')
  const dir = mkdtempSync(join(tmpdir(), 'vfs-redis-'))
  let server: RedisProcess | undefined
  t.teardown(async () => {
    await server?.kill()
    rmSync(dir, { recursive: true, force: true })
  })
  server = await startOnFreePort(freePort, (port) => redisProcess(binary, port, dir, ['--appendonly', opts.appendonly ? 'yes' : 'no', ...opts.args ?? []]))
  const { port, start, stop, kill } = server
  return { url: `redis://127.0.0.1:${port}`, port, start, stop, kill }
}

/** A client of `url` for one test, disconnected at its end. */
export function redisClient (t: Teardown, url: string): Redis {
  const redis = new Redis(url)
  t.teardown(() => redis.disconnect())
  return redis
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
