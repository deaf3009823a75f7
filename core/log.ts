/** The logger the core writes to: pino's call shape, so a Fastify or pino logger fits without an adapter. */
export interface Log {
  debug (obj: object, msg?: string): void
  info (obj: object, msg?: string): void
  warn (obj: object, msg?: string): void
  error (obj: object, msg?: string): void
  child (bindings: object): Log
}

/** The logger for lines about one job: each carries the job's request_id and vendor. */
export const jobLog = (log: Log, id: string, vendor: string): Log => log.child({ request_id: id, vendor })
