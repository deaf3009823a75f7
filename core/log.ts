/** The logger the core writes to: pino's call shape, so a Fastify or pino logger fits without an adapter. */
export interface Log {
  debug (obj: object, msg?: string): void
  info (obj: object, msg?: string): void
  warn (obj: object, msg?: string): void
  error (obj: object, msg?: string): void
  child (bindings: object): Log
}

/**
 * The logger for lines about one job: each carries the job's request_id and vendor. The fields go with
 * each line rather than into a child logger, which would serialise them even for the lines its level drops.
 */
export function jobLog (log: Log, id: string, vendor: string): Log {
  const fields = { request_id: id, vendor }
  return {
    debug: (obj, msg) => log.debug({ ...fields, ...obj }, msg),
    info: (obj, msg) => log.info({ ...fields, ...obj }, msg),
    warn: (obj, msg) => log.warn({ ...fields, ...obj }, msg),
    error: (obj, msg) => log.error({ ...fields, ...obj }, msg),
    child: (bindings) => log.child({ ...fields, ...bindings })
  }
}
