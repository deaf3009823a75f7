import { once } from 'node:events'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Ports below Linux's ephemeral range (32768 and up), which outgoing connections draw their local ports
 * from: a port found free there could be taken by any process's next connection before the server that
 * was to listen on it does. Here only another test could, and each picks at random. The range starts
 * above the cluster buses' (test/redis-cluster.ts: a node on p also listens on p + 10000), which a
 * cluster started by another test file would otherwise take from under a server about to listen.
 */
const FIRST = 26_000
const LAST = 32_000

/**
 * Ports handed out, claimed for the whole machine: a port whose server is not listening yet still looks
 * free, both to this process (a stack asks for several ports before starting its servers) and to the test
 * files tap runs beside it (each drew the same one in a CI run: EADDRINUSE). A claim is a file named for
 * the port holding the claimer's pid; one left by a process that has ended is free again.
 */
const CLAIMS = join(tmpdir(), 'vfs-test-ports')
mkdirSync(CLAIMS, { recursive: true })
const claimed: string[] = []

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function claim (port: number): boolean {
  const file = join(CLAIMS, String(port))
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' })
      if (claimed.push(file) === 1) process.on('exit', () => { for (const f of claimed) rmSync(f, { force: true }) })
      return true
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    let holder: number
    try {
      // A claim being written reads empty, as pid 0: held.
      holder = Number(readFileSync(file, 'utf8').trim() || 0)
    } catch {
      continue
    }
    if (holder === 0 || alive(holder)) return false
    rmSync(file, { force: true })
  }
  return false
}

/** A port nobody listens on right now: for a server whose own URL must be known before it starts, or a refused connection. */
export async function freePort (): Promise<number> {
  for (;;) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST))
    if (!claim(port)) continue
    if (await isFree(port)) return port
  }
}

/** Whether nothing listens on `port` of 127.0.0.1 right now. */
export async function isFree (port: number): Promise<boolean> {
  const server = createServer()
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => resolve(true))
  })
  if (listening) {
    server.close()
    await once(server, 'close')
  }
  return listening
}
