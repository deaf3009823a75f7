import { once } from 'node:events'
import { createServer } from 'node:net'

/** A port nobody listens on right now: for a server whose own URL must be known before it starts, or a refused connection. */
export async function freePort (): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
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
