import { once } from 'node:events'
import { createServer } from 'node:net'

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
 * Ports this process has handed out: one whose server is not listening yet still looks free, and a stack
 * that asks for several ports before starting its servers drew the same one twice (EADDRINUSE in a CI run).
 */
const handedOut = new Set<number>()

/** A port nobody listens on right now: for a server whose own URL must be known before it starts, or a refused connection. */
export async function freePort (): Promise<number> {
  for (;;) {
    const port = FIRST + Math.floor(Math.random() * (LAST - FIRST))
    if (handedOut.has(port) || !await isFree(port)) continue
    handedOut.add(port)
    return port
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
