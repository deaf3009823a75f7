import { hostname } from 'node:os'
import { FastifyOtelInstrumentation } from '@fastify/otel'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import type { FastifyInstance } from 'fastify'

export interface Tracing {
  /** Exports the spans still buffered, then stops. */
  shutdown (): Promise<void>
}

/**
 * The process's OpenTelemetry SDK, started by an entry point before it builds the app (and only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set): spans go out over OTLP/HTTP as the standard OTEL_* variables
 * say (endpoint, headers, sampler, batching), undici's client spans cover the vendor calls, and W3C
 * trace context is the propagation format. Its provider is global, hence once per process.
 */
export function startTracing (role: string): Tracing {
  const resource = resourceFromAttributes({
    'service.name': 'vendor-fetch-service',
    'service.instance.id': `${hostname()}:${process.pid}`,
    'vfs.role': role
  }).merge(detectResources({ detectors: [envDetector] }))
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] })
  provider.register()
  const undici = new UndiciInstrumentation({ startSpanHook: queryHidden })
  return {
    async shutdown () {
      undici.disable()
      await provider.shutdown()
    }
  }
}

/**
 * A vendor call's span shows its URL without the query, which may carry the vendor's credentials (`auth`
 * of type `query`) to whoever reads the traces; these attributes replace undici's own.
 */
export function queryHidden (request: { origin: string | URL, path: string }): Record<string, string> {
  const at = request.path.indexOf('?')
  if (at === -1) return {}
  return { 'url.full': new URL(request.path.slice(0, at), request.origin).toString(), 'url.query': 'REDACTED' }
}

/** @fastify/otel's request spans for the routes; registered before any route so that it sees them all. */
export async function registerRouteTracing (app: FastifyInstance): Promise<void> {
  const instrumentation = new FastifyOtelInstrumentation({
    // Hook spans would outnumber the request's own; probes and scrapes would outnumber the jobs.
    instrumentHooks: false,
    ignorePaths: (route) => route.url === '/health' || route.url === '/metrics' || route.url.startsWith('/dashboard')
  })
  await app.register(instrumentation.plugin())
}
