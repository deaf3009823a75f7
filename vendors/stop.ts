/** Hears a stop: an object rather than a function, so that a call's handler listens without a closure. */
export interface StopListener {
  stopped (reason: Error): void
}

/**
 * What stops a call: its worker's grace running out, its lease lost. The part of an AbortSignal a call
 * needs, without its cost: on Node 20 an AbortController per call and a listener on its signal cost more
 * CPU than the rest of the call's own code, and a worker makes thousands of calls a second.
 */
export class CallStop {
  private why: Error | undefined = undefined
  private heard: StopListener | undefined = undefined

  get aborted (): boolean {
    return this.why !== undefined
  }

  get reason (): Error | undefined {
    return this.why
  }

  /** Stops the call, once: a later stop changes nothing. */
  abort (reason: Error): void {
    if (this.why !== undefined) return
    this.why = reason
    this.heard?.stopped(reason)
  }

  /** Who hears the stop, one at a time; undefined: nobody any more. */
  hear (listener: StopListener | undefined): void {
    this.heard = listener
  }
}
