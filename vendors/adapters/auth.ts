import type { Auth } from './entry.js'
import { createTokenManager, type TokenManagerOptions } from './oauth2.js'
import { redact, resolveSecret } from './secrets.js'

/** What a call carries to prove who we are; merged over the mapping's, so a mapping cannot replace it. */
export interface Credentials {
  headers: Record<string, string>
  query: Record<string, string>
}

export interface Authenticator {
  readonly type: Auth['type'] | 'none'
  credentials (): Promise<Credentials>
  /**
   * The vendor answered 401 to a call with these headers. True when that means a new token for the next
   * call (OAuth2), false when nothing will change (a static secret was refused).
   */
  rejected (headers: Record<string, string>): boolean
  /** `text` with every secret this authenticator holds replaced. */
  redact (text: string): string
}

const NONE: Credentials = { headers: {}, query: {} }

/** Secrets are read from the environment here, once, at start; a missing one is a start error naming the field. */
export function createAuthenticator (
  vendor: string,
  auth: Auth | undefined,
  env: NodeJS.ProcessEnv,
  tokens: TokenManagerOptions = {}
): Authenticator {
  if (auth === undefined) return fixed('none', NONE, [])
  switch (auth.type) {
    case 'bearer': {
      const token = resolveSecret(vendor, 'auth.token', auth.token, env)
      return fixed(auth.type, { headers: { authorization: `Bearer ${token}` }, query: {} }, [token])
    }
    case 'header': {
      const value = resolveSecret(vendor, 'auth.value', auth.value, env)
      return fixed(auth.type, { headers: { [auth.name.toLowerCase()]: value }, query: {} }, [value])
    }
    case 'query': {
      const value = resolveSecret(vendor, 'auth.value', auth.value, env)
      return fixed(auth.type, { headers: {}, query: { [auth.name]: value } }, [value])
    }
    case 'basic': {
      // Stripe's key is the user name, with no password: either part may be the secret.
      const username = typeof auth.username === 'string' ? auth.username : resolveSecret(vendor, 'auth.username', auth.username, env)
      const password = auth.password === undefined ? '' : resolveSecret(vendor, 'auth.password', auth.password, env)
      const encoded = Buffer.from(`${username}:${password}`).toString('base64')
      const secrets = [encoded, ...(typeof auth.username === 'string' ? [] : [username]), ...(password === '' ? [] : [password])]
      return fixed(auth.type, { headers: { authorization: `Basic ${encoded}` }, query: {} }, secrets)
    }
    case 'oauth2-client-credentials': {
      const clientSecret = resolveSecret(vendor, 'auth.clientSecret', auth.clientSecret, env)
      const manager = createTokenManager(vendor, { ...auth, clientSecret }, tokens)
      return {
        type: auth.type,
        async credentials () {
          return { headers: { authorization: `Bearer ${await manager.token()}` }, query: {} }
        },
        rejected (headers) {
          const token = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1]
          if (token === undefined) return false
          manager.rejected(token)
          return true
        },
        redact: manager.redact
      }
    }
  }
}

function fixed (type: Authenticator['type'], credentials: Credentials, secrets: string[]): Authenticator {
  return {
    type,
    async credentials () {
      return credentials
    },
    rejected: () => false,
    redact: (text) => redact(text, secrets)
  }
}
