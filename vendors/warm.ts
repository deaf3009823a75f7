import type { Socket } from 'node:net'
import { buildConnector } from 'undici'

/** A stashed connection older than this is dropped: a server closes idle connections after a while. */
const MAX_IDLE_MS = 4_000

export interface WarmConnector {
  /** What undici's Pool calls for a connection: a stashed one when there is one, else a new one. */
  connect: buildConnector.connector
  /** Opens connections ahead until the vendor has `n` in all, counting the `connected` ones the pool already has (busy or idle). */
  warm (n: number, connected: number): Promise<void>
  /** Connections opened ahead and not yet handed to the pool. */
  readonly stashed: number
  close (): void
}

/**
 * Connections opened before they are needed. A call on a new connection leaves only once the connection
 * is up, later than its grant allows on a slow network, and the first calls to a vendor would all be
 * such calls; so the dispatcher warms a vendor that has work, and the pool takes these first.
 */
export function createWarmConnector (origin: URL, opts: { timeoutMs: number, max: number }): WarmConnector {
  const open = buildConnector({ timeout: opts.timeoutMs })
  const target: buildConnector.Options = {
    hostname: origin.hostname,
    host: origin.host,
    protocol: origin.protocol,
    port: origin.port,
    servername: undefined as unknown as string
  }
  const stash: Array<{ socket: Socket, at: number }> = []
  let opening = 0
  let closed = false
  const drop = (socket: Socket): void => {
    const at = stash.findIndex((s) => s.socket === socket)
    if (at >= 0) stash.splice(at, 1)
  }
  const fresh = (): Socket | undefined => {
    for (let kept = stash.pop(); kept !== undefined; kept = stash.pop()) {
      kept.socket.removeAllListeners('close')
      kept.socket.pause()
      if (!kept.socket.destroyed && performance.now() - kept.at < MAX_IDLE_MS) return kept.socket
      kept.socket.destroy()
    }
    return undefined
  }
  return {
    connect (options, callback) {
      const socket = fresh()
      // undici writes nothing on a connection handed over in the same tick it asked for it.
      if (socket !== undefined) process.nextTick(callback, null, socket)
      else open(options, callback)
    },
    async warm (n, connected) {
      const wanted = Math.min(n, opts.max) - connected - stash.length - opening
      if (closed || wanted <= 0) return
      opening += wanted
      await Promise.all(Array.from({ length: wanted }, () => new Promise<void>((resolve) => {
        open(target, (err, socket) => {
          opening--
          if (err === null && socket !== null) {
            if (closed) socket.destroy()
            else {
              stash.push({ socket: socket as Socket, at: performance.now() })
              socket.once('close', () => drop(socket as Socket))
              // Read while waiting, so that a vendor closing the connection is noticed (nothing else comes unasked).
              socket.resume()
            }
          }
          resolve()
        })
      })))
    },
    get stashed () { return stash.length },
    close () {
      closed = true
      for (const { socket } of stash.splice(0)) socket.destroy()
    }
  }
}
