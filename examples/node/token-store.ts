// A custom token store (here: a Map standing in for a database or a secret manager), the
// client-credentials and refresh-token factories, and the authorization-code helpers.
import {
  Client,
  FileTokenStore,
  OAuthClient,
  OOB_REDIRECT_URI,
  ProcoreError,
  TokenRecord,
  TokenStore,
  AnyProcoreError,
  ErrorCode,
} from '@procore-sdk/node'

class MapTokenStore implements TokenStore {
  private readonly rows = new Map<string, string>()
  constructor(private readonly key: string) {}
  async load(): Promise<TokenRecord | null> {
    const row = this.rows.get(this.key)
    return row ? (JSON.parse(row) as TokenRecord) : null
  }
  async save(tokens: TokenRecord): Promise<void> {
    // Called by the core after every rotation, before the new access token is used.
    this.rows.set(this.key, JSON.stringify(tokens))
  }
  async clear(): Promise<void> {
    this.rows.delete(this.key)
  }
}

export async function serviceAccount(baseUrl: string): Promise<number> {
  const client = Client.fromClientCredentials('sim-client-id', 'sim-client-secret', {
    baseUrl,
    companyId: 8089,
    maxAttempts: 3,
    deadlineMs: 30_000,
    rateLimitMaxWaitMs: 5_000,
  })
  const me = await client.get('me')
  client.close()
  return me.json<{ id: number }>().id
}

export async function userLogin(baseUrl: string, refreshToken: string): Promise<TokenRecord | null> {
  const store = new MapTokenStore('user-1')
  const client = Client.fromRefreshToken('sim-client-id', 'sim-client-secret', refreshToken, { baseUrl, tokenStore: store })
  await client.get('me')
  const saved = await store.load()
  client.close()
  return saved
}

export async function fileBacked(baseUrl: string, path: string): Promise<void> {
  const client = Client.fromStoredTokens('sim-client-id', 'sim-client-secret', { baseUrl, tokenStore: new FileTokenStore(path) })
  await client.revoke()
}

export function startLogin(baseUrl: string): string {
  const oauth = new OAuthClient({ clientId: 'sim-client-id', clientSecret: 'sim-client-secret', baseUrl })
  const request = oauth.authorizeUrl(OOB_REDIRECT_URI, { pkce: true })
  return request.url
}

export async function finishLogin(baseUrl: string, code: string, state: string, url: string, verifier: string | null): Promise<Client> {
  return Client.fromAuthorizationCode(
    'sim-client-id',
    'sim-client-secret',
    { url, state, redirectUri: OOB_REDIRECT_URI, pkceVerifier: verifier },
    code,
    state,
    { baseUrl },
  )
}

/** Exhaustive handling: adding a code to ErrorCode without a case here fails to compile. */
export function advice(err: AnyProcoreError): string {
  switch (err.code) {
    case 'unauthorized':
    case 'reauthorization_required':
      return 'sign in again'
    case 'forbidden':
    case 'app_not_connected':
      return 'ask an admin for access'
    case 'not_found':
      return 'check the id'
    case 'validation':
    case 'invalid_call':
      return Object.keys(err.errors).join(', ')
    case 'rate_limited':
      return `retry at ${err.retryAt?.toISOString() ?? 'later'}`
    case 'oauth':
      return `oauth: ${err.oauthError ?? 'unknown'}`
    case 'upload':
      return `upload failed at segment ${err.segment ?? '-'} of ${err.segments ?? '-'}`
    case 'bad_request':
    case 'server':
    case 'http':
    case 'timeout':
    case 'network':
    case 'config':
    case 'decode':
    case 'store':
    case 'state_mismatch':
      return `${err.code} (HTTP ${err.status ?? '-'}, request ${err.requestId ?? '-'})`
    default: {
      const never: never = err
      return never
    }
  }
}

export function codeOf(e: unknown): ErrorCode | null {
  return e instanceof ProcoreError ? e.code : null
}
