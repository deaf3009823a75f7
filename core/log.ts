/** The logger the core writes to: pino's call shape, so a Fastify or pino logger fits without an adapter. */
export interface Log {
  debug (obj: object, msg?: string): void
  info (obj: object, msg?: string): void
  warn (obj: object, msg?: string): void
  error (obj: object, msg?: string): void
  child (bindings: object): Log
}

/** Lines about one job: its fields go with each line (a plain object, no closures: made for each job). */
class JobLog implements Log {
  constructor (private readonly log: Log, private readonly fields: { request_id: string, vendor: string }) {}
  debug (obj: object, msg?: string): void { this.log.debug({ ...this.fields, ...obj }, msg) }
  info (obj: object, msg?: string): void { this.log.info({ ...this.fields, ...obj }, msg) }
  warn (obj: object, msg?: string): void { this.log.warn({ ...this.fields, ...obj }, msg) }
  error (obj: object, msg?: string): void { this.log.error({ ...this.fields, ...obj }, msg) }
  child (bindings: object): Log { return this.log.child({ ...this.fields, ...bindings }) }
}

/**
 * The logger for lines about one job: each carries the job's request_id and vendor. The fields go with
 * each line rather than into a child logger, which would serialise them even for the lines its level drops.
 */
export function jobLog (log: Log, id: string, vendor: string): Log {
  return new JobLog(log, { request_id: id, vendor })
}
