/** The logger the core writes to: pino's call shape, so a Fastify or pino logger fits without an adapter. */
export interface Log {
  debug (obj: object, msg?: string): void
  info (obj: object, msg?: string): void
  warn (obj: object, msg?: string): void
  error (obj: object, msg?: string): void
}
