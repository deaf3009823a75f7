/** The part of autocannon 8's programmatic API the bench uses (the package ships no types). */
declare module 'autocannon' {
  namespace autocannon {
    interface Histogram {
      average: number
      mean: number
      stddev: number
      min: number
      max: number
      total: number
      p50: number
      p97_5: number
      p99: number
    }
    interface Result {
      requests: Histogram
      latency: Histogram
      duration: number
      errors: number
      timeouts: number
      non2xx: number
      '2xx': number
      statusCodeStats: Record<string, { count: number }>
    }
    interface Request {
      method?: string
      path?: string
      headers?: Record<string, string>
      body?: string | Buffer
      setupRequest? (request: Request, context: Record<string, unknown>): Request | undefined
      onResponse? (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>): void
    }
    interface Client {
      setRequests (requests: Request[]): void
    }
    interface Options extends Request {
      url: string
      connections?: number
      duration?: number
      timeout?: number
      requests?: Request[]
      setupClient? (client: Client): void
    }
    interface Instance extends PromiseLike<Result> {
      stop (): void
    }
  }
  function autocannon (opts: autocannon.Options): autocannon.Instance
  export default autocannon
}
