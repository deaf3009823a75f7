import { type Context, context, type Link, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import type { Job } from './job.js'
import type { Delivery, Settlement } from './dispatch/queue.js'

/**
 * A job's spans, through OpenTelemetry's API alone: without a registered SDK every call here is a no-op
 * and no job carries a trace. The job's trace context is a W3C traceparent kept on the job and carried
 * by its queue entries, so that the API's, the workers' and the webhook's spans make one trace.
 */
const tracer = trace.getTracer('vendor-fetch-service')

const traceparentOf = (ctx: Context): string | undefined => {
  const carrier: Record<string, string> = {}
  propagation.inject(ctx, carrier)
  return carrier.traceparent
}

const contextOf = (traceparent: string | undefined): Context =>
  traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, { traceparent })

const failed = (span: Span, err: unknown): void => {
  span.recordException(err as Error)
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message })
}

/** The queue hop's producer side: queues a job under an `enqueue` span whose context the job keeps. */
export async function tracedSubmit (job: Job, submit: (job: Job) => Promise<void>): Promise<void> {
  // Only a traced request starts a job's trace: sampling decided there holds for the whole job.
  if (trace.getActiveSpan()?.isRecording() !== true) return submit(job)
  const span = tracer.startSpan(`enqueue ${job.vendor}`, {
    kind: SpanKind.PRODUCER,
    attributes: { 'messaging.system': 'vfs', 'messaging.destination.name': job.vendor, 'vfs.request_id': job.id }
  })
  const ctx = trace.setSpan(context.active(), span)
  const traced = { ...job }
  const traceparent = traceparentOf(ctx)
  if (traceparent !== undefined) traced.trace = traceparent
  try {
    await context.with(ctx, () => submit(traced))
  } catch (err) {
    failed(span, err)
    throw err
  } finally {
    span.end()
  }
}

/**
 * The queue hop's consumer side for one delivery: a `wait` span from the entry's queueing to its take
 * (the dispatcher's wait for limits and room), and a `deliver` span over the claim, the vendor call and
 * the outcome, in whose context `run` goes (so the vendor call's client span is its child).
 */
export async function tracedDelivery (d: Delivery, takenAt: number, run: () => Promise<Settlement>): Promise<Settlement> {
  // A job without a trace context was not sampled where it started: its deliveries are not traced either.
  if (d.trace === undefined) return run()
  const parent = contextOf(d.trace)
  const attributes = { 'messaging.system': 'vfs', 'messaging.destination.name': d.vendor, 'vfs.request_id': d.jobId, 'vfs.delivery': d.deliveries, 'vfs.kind': d.kind }
  const span = tracer.startSpan(`deliver ${d.vendor}`, { kind: SpanKind.CONSUMER, startTime: takenAt, attributes }, parent)
  if (!span.isRecording()) return run()
  const { queuedAt } = d
  if (d.deliveries === 1 && queuedAt <= takenAt) tracer.startSpan(`wait ${d.vendor}`, { startTime: queuedAt, attributes }, parent).end(takenAt)
  try {
    const settlement = await context.with(trace.setSpan(parent, span), run)
    if (settlement.status !== undefined) span.setAttribute('vfs.status', settlement.status)
    if (settlement.outcome !== undefined) span.setAttribute('vfs.outcome', settlement.outcome)
    return settlement
  } catch (err) {
    failed(span, err)
    throw err
  } finally {
    span.end()
  }
}

/**
 * A step of a job outside any delivery (its webhook, its callback deadline), as a span in the job's
 * trace, linked to whatever span is active (the webhook's request).
 */
export async function tracedStep<T> (job: Pick<Job, 'id' | 'vendor' | 'trace'>, name: string, run: () => Promise<T>): Promise<T> {
  if (job.trace === undefined) return run()
  const active = trace.getActiveSpan()?.spanContext()
  const links: Link[] = active === undefined ? [] : [{ context: active }]
  const span = tracer.startSpan(`${name} ${job.vendor}`, { links, attributes: { 'vfs.request_id': job.id } }, contextOf(job.trace))
  try {
    return await context.with(trace.setSpan(contextOf(job.trace), span), run)
  } catch (err) {
    failed(span, err)
    throw err
  } finally {
    span.end()
  }
}
