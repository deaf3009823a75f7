/** Past its bound a process opens no more waits. */
export class TooManyWaitsError extends Error {
  override name = 'TooManyWaitsError'
}

/** One open wait, on one job or on the jobs of a batch. */
interface Wait {
  /**
   * Resolves with the id of a watched job once one ended (each told once), or undefined once `until`
   * passed, `signal` aborted (the client went away) or the waits closed.
   */
  next (until: number, signal?: AbortSignal): Promise<string | undefined>
  /** Gives the wait's place back; always called, once it is answered. */
  close (): void
}

/**
 * Long polls of one process: each wait listens for the ends of the jobs it watches, as the backend tells
 * them (another process's ends too), and at most `max` are open at once. `close` releases every wait, so
 * that a stopping process answers them at once rather than holding its shutdown.
 */
export interface Waits {
  /** Opens a wait on these jobs; TooManyWaitsError past the bound. Open it before reading them, so that no end is missed between. */
  open (ids: readonly string[]): Wait
  /** Tells the waits that a job ended. */
  ended (id: string): void
  readonly size: number
  close (): void
}

export function createWaits (max: number): Waits {
  const watching = new Map<string, Set<Listener>>()
  const open = new Set<Listener>()
  let closed = false

  interface Listener {
    ended: string[]
    wake?: () => void
  }

  return {
    open (ids) {
      if (open.size >= max) throw new TooManyWaitsError(`${max} waits are open on this process`)
      const listener: Listener = { ended: [] }
      open.add(listener)
      for (const id of ids) {
        let listeners = watching.get(id)
        if (listeners === undefined) {
          listeners = new Set()
          watching.set(id, listeners)
        }
        listeners.add(listener)
      }
      return {
        async next (until, signal) {
          for (;;) {
            const id = listener.ended.shift()
            if (id !== undefined) return id
            const left = until - Date.now()
            if (closed || left <= 0 || signal?.aborted === true) return undefined
            let timer: NodeJS.Timeout | undefined
            let gone = (): void => {}
            await new Promise<void>((resolve) => {
              listener.wake = resolve
              gone = () => resolve()
              timer = setTimeout(resolve, left)
              signal?.addEventListener('abort', gone)
            })
            clearTimeout(timer)
            signal?.removeEventListener('abort', gone)
            listener.wake = undefined
          }
        },
        close () {
          open.delete(listener)
          for (const id of ids) {
            const listeners = watching.get(id)
            listeners?.delete(listener)
            if (listeners?.size === 0) watching.delete(id)
          }
          listener.wake?.()
        }
      }
    },
    ended (id) {
      for (const listener of watching.get(id) ?? []) {
        listener.ended.push(id)
        listener.wake?.()
      }
    },
    get size () {
      return open.size
    },
    close () {
      closed = true
      for (const listener of open) listener.wake?.()
    }
  }
}
