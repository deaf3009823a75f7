import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'

export const ROOT = fileURLToPath(new URL('../', import.meta.url))

export interface Child {
  name: string
  child: ChildProcess
  output (): string
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves once it has exited. */
  stop (graceMs?: number): Promise<void>
}

const children = new Set<Child>()
const syncCleanups: Array<() => void> = []

function exited (child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** Runs at exit whatever happened: kills every child left and removes temporary files. */
export function atExit (fn: () => void): void {
  syncCleanups.push(fn)
}

function killEverything (): void {
  for (const { child } of children) if (!exited(child)) child.kill('SIGKILL')
  for (const fn of syncCleanups.splice(0)) {
    try { fn() } catch {}
  }
}

process.on('exit', killEverything)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping every process the bench started`)
    killEverything()
    process.exit(130)
  })
}

/** Starts a program as a child of the bench; it is killed when the bench ends, however it ends. */
export function start (name: string, command: string, args: string[], env: Record<string, string | undefined> = {}): Child {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let log = ''
  const keep = (chunk: Buffer): void => { log = (log + chunk.toString()).slice(-20_000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const started: Child = {
    name,
    child,
    output: () => log,
    async stop (graceMs = 8_000) {
      children.delete(started)
      if (exited(child)) return
      const done = once(child, 'exit')
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      await done
      clearTimeout(timer)
    }
  }
  children.add(started)
  return started
}

/** What every process the bench starts runs with, under its own settings. */
const QUIET = { LOG_LEVEL: 'warn', FASTIFY_CLOSE_GRACE_DELAY: '5000' }

/** One of the project's TypeScript entry points run with `node --import tsx`, plus any node flags. */
export function startNode (name: string, entry: string, env: Record<string, string | undefined>, nodeArgs: string[] = []): Child {
  return start(name, process.execPath, [...nodeArgs, '--import', 'tsx', entry], { ...QUIET, ...env })
}

/** Builds the service as `npm start` does (tsc into dist/): the bench measures what runs in production. */
export function buildService (): void {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' })
}

/**
 * One of the service's entry points as its npm script runs it (`npm start`, `npm run worker`): built into dist/
 * (buildService) and run by plain node with the script's node flags. Run through tsx instead, every closure
 * the service makes per call also pays esbuild's name helper.
 */
export function startBuilt (name: string, entry: string, env: Record<string, string | undefined>, nodeArgs: string[] = []): Child {
  const built = `dist/${entry.replace(/\.ts$/, '.js')}`
  return start(name, process.execPath, [...scriptFlags(built), ...nodeArgs, join(ROOT, built)], { ...QUIET, ...env })
}

/** The node flags the npm script that runs `built` gives it (package.json is their one home), such as the worker's heap tuning. */
function scriptFlags (built: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  const words = Object.values(scripts).map((line) => line.split(' ')).find((w) => w[0] === 'node' && w.at(-1) === built)
  return words?.slice(1, -1) ?? []
}

/** Stops every child still running, gracefully first (a --cpu-prof profile is written on a clean exit). */
export async function stopAll (): Promise<void> {
  await Promise.all([...children].map((c) => c.stop()))
}

export async function freePort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

/** Polls `check` until it returns a value, the child exits, or the time is up. */
export async function waitUntil<T> (what: string, check: () => Promise<T | undefined>, opts: { timeoutMs?: number, child?: Child } = {}): Promise<T> {
  const until = Date.now() + (opts.timeoutMs ?? 30_000)
  while (Date.now() < until) {
    if (opts.child !== undefined && exited(opts.child.child)) {
      throw new Error(`${opts.child.name} exited while waiting for ${what}:\n${opts.child.output()}`)
    }
    const value = await check().catch(() => undefined)
    if (value !== undefined) return value
    await sleep(50)
  }
  throw new Error(`timed out waiting for ${what}${opts.child ? `:\n${opts.child.output()}` : ''}`)
}

/** Waits until `url` answers 200. */
export async function healthy (child: Child, url: string, timeoutMs = 30_000): Promise<void> {
  await waitUntil(url, async () => {
    const res = await fetch(url)
    await res.arrayBuffer()
    return res.ok ? true : undefined
  }, { timeoutMs, child })
}

/** Waits until the child prints a line containing `text`. */
export async function printed (child: Child, text: string, timeoutMs = 30_000): Promise<void> {
  await waitUntil(`"${text}" from ${child.name}`, async () => child.output().includes(text) ? true : undefined, { timeoutMs, child })
}
