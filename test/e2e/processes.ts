import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { type TestContext, waitFor } from '../helper.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface Started {
  child: ChildProcess
  output: () => string
  /** Every whole line of stdout and stderr that `keep` picked, however long the process ran. */
  kept: string[]
  stop (signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts one of the project's entry points as its own process, the way a deployment would. */
export function startProcess (t: TestContext, entry: string, env: Record<string, string>, keep?: (line: string) => boolean, args = ['--import', 'tsx', entry]): Started {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let log = ''
  const kept: string[] = []
  const reader = () => {
    let partial = ''
    return (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000)
      if (keep === undefined) return
      const lines = (partial + chunk.toString()).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) if (keep(line)) kept.push(line)
    }
  }
  child.stdout?.on('data', reader())
  child.stderr?.on('data', reader())
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
    const exited = once(child, 'exit')
    child.kill(signal)
    const [code] = await exited
    return code as number | null
  }
  t.teardown(() => stop('SIGKILL'))
  return { child, output: () => log, kept, stop }
}

/** Waits until a started service answers 200 on /health. */
export async function healthy (started: Started, baseUrl: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => {
    if (started.child.exitCode !== null) throw new Error(`process exited early:\n${started.output()}`)
    try {
      const res = await request(`${baseUrl}/health`)
      await res.body.dump()
      return res.statusCode === 200 ? true : undefined
    } catch {
      return undefined
    }
  }, timeoutMs, `${baseUrl}/health`)
}

/**
 * Keeps one core busy for `ms` in a process of its own, as other work on a loaded machine would: limits
 * must hold at the vendor when calls leave late. Stopped when the test ends, if not before.
 */
export function burnCpu (t: TestContext, ms: number): Started {
  return startProcess(t, '-e', { BURN_MS: String(ms) }, undefined, ['-e', 'const end = Date.now() + Number(process.env.BURN_MS); while (Date.now() < end) Math.sqrt(Math.random())'])
}
