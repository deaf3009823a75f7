import { createAuthenticator } from './auth.js'
import { firstProblem } from './check.js'
import { compileCalls, compileRequest } from './compile-call.js'
import type { CompiledPoll, CompiledVendor, CompiledWebhook } from './compiled.js'
import { AdapterSource } from './entry.js'
import { AdapterConfigError } from './errors.js'
import { compileExpression, compileOptional, DEFAULT_EVAL_TIMEOUT_MS, type ExpressionContext } from './expression.js'
import type { TokenManagerOptions } from './oauth2.js'
import { redact, resolveSecret } from './secrets.js'
import { createVerifier } from './signatures.js'

export interface CompileOptions {
  /** Where `{"env": NAME}` secrets are read; default process.env. */
  env?: NodeJS.ProcessEnv
  /** Bound of one expression's evaluation. */
  evalTimeoutMs?: number
  /** OAuth2 token handling: the fleet's shared cache (Redis), fetch timeout, backoff. */
  tokens?: TokenManagerOptions
}

/** Fields that mean something in one mode only: naming them elsewhere is a mistake worth a start error. */
const MODE_FIELDS = [['accepted', ['async', 'poll']], ['webhook', ['async']], ['poll', ['poll']], ['pages', ['sync']]] as const

/**
 * Checks a merged vendor entry and makes it ready: every expression compiled, every secret read, the
 * signature scheme set up. Throws AdapterConfigError, one line naming the vendor and the field.
 */
export function compileVendor (name: string, entry: unknown, opts: CompileOptions = {}): CompiledVendor {
  const problem = firstProblem(AdapterSource, entry)
  if (problem !== undefined) throw new AdapterConfigError(name, problem.path, problem.message)
  const source = entry as AdapterSource
  for (const [field, modes] of MODE_FIELDS) {
    if (source[field] !== undefined && !(modes as readonly string[]).includes(source.mode)) {
      throw new AdapterConfigError(name, field, `means nothing to a ${source.mode} vendor (only ${modes.join(' or ')})`)
    }
  }
  checkPages(name, source)

  const env = opts.env ?? process.env
  const auth = createAuthenticator(name, source.auth, env, opts.tokens)
  const webhookSecret = source.mode === 'async' ? readWebhookSecret(name, source, env) : undefined
  const hide = (text: string) => redact(auth.redact(text), webhookSecret === undefined ? [] : [webhookSecret])
  const ctx: ExpressionContext = { vendor: name, timeoutMs: opts.evalTimeoutMs ?? DEFAULT_EVAL_TIMEOUT_MS, redact: hide }
  const url = new URL(source.url)
  return {
    name,
    mode: source.mode,
    origin: url.origin,
    basePath: `${url.pathname}${url.search}`,
    auth,
    ...compileCalls(ctx, source),
    accepted: compileOptional(ctx, 'accepted.vendorRef', source.accepted?.vendorRef),
    webhook: webhookSecret === undefined ? undefined : compileWebhook(ctx, source, webhookSecret),
    poll: source.mode === 'poll' ? compilePoll(ctx, source) : undefined,
    ...(source.limits?.headers === undefined ? {} : { rateLimitHeaders: source.limits.headers }),
    redact: hide
  }
}

/** `webhook.secret` names a variable; an entry without one may still carry the first round's `webhookSecret`. */
function readWebhookSecret (vendor: string, source: AdapterSource, env: NodeJS.ProcessEnv): string {
  const ref = source.webhook?.secret
  const secret = ref === undefined ? source.webhookSecret : resolveSecret(vendor, 'webhook.secret', ref, env)
  if (secret === undefined) throw new AdapterConfigError(vendor, 'webhook.secret', 'an async vendor needs a secret to verify its callbacks')
  return secret
}

/** Without `webhook`, a callback is ours: Stripe's signature scheme, and request_id, result and error in its body. */
function compileWebhook (ctx: ExpressionContext, source: AdapterSource, secret: string): CompiledWebhook {
  const spec = source.webhook
  const signature = spec?.signature ?? { scheme: 'stripe' as const }
  let verify: CompiledWebhook['verify']
  const payload = signature.scheme === 'hmac' ? compileOptional(ctx, 'webhook.signature.payload', signature.payload) : undefined
  try {
    verify = createVerifier(signature, secret, payload === undefined ? undefined : (input) => payload.evaluate(input))
  } catch {
    throw new AdapterConfigError(ctx.vendor, 'webhook.secret', `is not a ${signature.scheme} secret (Standard Webhooks secrets are "whsec_" and base64)`)
  }
  const vendorRef = compileOptional(ctx, 'webhook.vendorRef', spec?.vendorRef)
  return {
    verify,
    vendorRef,
    // Our id is looked for by default only where the vendor's own is not: a vendor with its own ids rarely echoes ours.
    requestId: compileOptional(ctx, 'webhook.requestId', spec?.requestId ?? (vendorRef === undefined ? 'body.request_id' : undefined)),
    result: compileExpression(ctx, 'webhook.result', spec?.result ?? 'body.result'),
    error: compileExpression(ctx, 'webhook.error', spec?.error ?? 'body.error')
  }
}

/** Pages read a sync vendor's mapped calls, the vendor's or a type's: our own protocol has no pages. */
function checkPages (vendor: string, source: AdapterSource): void {
  const paged: Array<[string, boolean]> = [['pages', source.pages !== undefined && source.request === undefined]]
  for (const [type, spec] of Object.entries(source.types ?? {})) {
    if (spec.pages !== undefined && source.mode !== 'sync') throw new AdapterConfigError(vendor, `types.${type}.pages`, `means nothing to a ${source.mode} vendor (only sync)`)
    paged.push([`types.${type}.pages`, (spec.pages ?? source.pages) !== undefined && spec.request === undefined && source.request === undefined])
  }
  const unmapped = paged.find(([, bare]) => bare)
  if (unmapped !== undefined) throw new AdapterConfigError(vendor, unmapped[0], 'needs a request mapping: our own protocol has no pages')
}

function compilePoll (ctx: ExpressionContext, source: AdapterSource): CompiledPoll {
  const poll = source.poll
  if (poll === undefined) throw new AdapterConfigError(ctx.vendor, 'poll.done', 'a poll vendor needs poll.done (and poll.request, poll.intervalMs)')
  return {
    request: compileRequest(ctx, 'poll.request', poll.request),
    intervalMs: poll.intervalMs,
    done: compileExpression(ctx, 'poll.done', poll.done),
    failed: compileOptional(ctx, 'poll.failed', poll.failed),
    result: compileOptional(ctx, 'poll.result', poll.result),
    error: compileOptional(ctx, 'poll.error', poll.error)
  }
}
