/** What an operator allows completion webhooks to call, and what signs them. */

/** A host, or host:port, as NOTIFY_ALLOWED_HOSTS and a team's notify.allowedHosts spell it. */
export const ALLOWED_HOST = '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:\\d{1,5})?$'

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' }

/** Standard Webhooks asks for 24 to 64 random bytes. */
const MIN_SECRET_BYTES = 24

/** Whether `value` is a Standard Webhooks secret: `whsec_` and at least 24 bytes in base64. */
export function isWebhookSecret (value: string): boolean {
  const raw = value.startsWith('whsec_') ? value.slice('whsec_'.length) : undefined
  return raw !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(raw) && Buffer.from(raw, 'base64').length >= MIN_SECRET_BYTES
}

export const WEBHOOK_SECRET_RULE = `a Standard Webhooks secret: whsec_ and at least ${MIN_SECRET_BYTES} bytes in base64`

/** An allowed entry as the host and port it admits: without a port, only the scheme's default one. */
function allowed (entry: string): { hostname: string, port?: string } | undefined {
  const match = new RegExp(ALLOWED_HOST).exec(entry)
  if (match === null) return undefined
  // The URL parser's own spelling of the host: lower case, IPv6 compressed, as a URL's hostname is compared.
  const hostname = new URL(`http://${match[1] as string}`).hostname
  return match[2] === undefined ? { hostname } : { hostname, port: String(Number(match[2].slice(1))) }
}

/**
 * Why a completion webhook may not call `url`, or undefined when it may: an http(s) URL without user
 * info whose host and port are among `allowedHosts` (an entry without a port admits the scheme's default
 * port only). Nothing is resolved: a caller can name only what the operator listed.
 */
export function notifyUrlProblem (url: string, allowedHosts: readonly string[]): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'not a URL'
  }
  const defaultPort = DEFAULT_PORTS[parsed.protocol]
  if (defaultPort === undefined) return `its scheme ${parsed.protocol} is not http: or https:`
  if (parsed.username !== '' || parsed.password !== '') return 'it carries user info'
  const port = parsed.port === '' ? defaultPort : parsed.port
  const admitted = allowedHosts.some((entry) => {
    const host = allowed(entry)
    return host !== undefined && host.hostname === parsed.hostname && (host.port ?? defaultPort) === port
  })
  return admitted ? undefined : `its host ${parsed.host} is not one the operator allowed${allowedHosts.length === 0 ? ' (none is)' : ''}`
}
