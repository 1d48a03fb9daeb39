// Type definitions of the public API (index.js). Hand-written: they describe the layer users see,
// not the raw addon (whose generated typings come from `npm run build:napi` -> native.d.ts).
// Every export carries TSDoc with an `@example`: the API reference is generated from this file.

/**
 * The Procore REST API for Node.js, on the SDK's Rust core: token refresh (single flight,
 * rotation-safe), rate-limit pacing, retries, the `Procore-Company-Id` header and pagination all
 * happen in the core; this package converts arguments in and results out.
 *
 * @example
 * ```ts
 * import { Client } from '@procore-sdk/node'
 *
 * const client = Client.fromAccessToken(process.env.PROCORE_TOKEN!, { environment: 'sandbox', companyId: 8089 })
 * const me = (await client.get('me')).json<{ id: number; login: string }>()
 * for await (const project of client.paginate('projects', { query: { company_id: 8089 } })) {
 *   console.log(project.id, project.name)
 * }
 * ```
 *
 * @packageDocumentation
 */

/**
 * Every stable error code of the Rust core (`procore::Error::CODES`), shared by every binding.
 *
 * @example
 * ```ts
 * function retryable(code: ErrorCode): boolean {
 *   return code === 'rate_limited' || code === 'server' || code === 'timeout' || code === 'network'
 * }
 * ```
 */
export type ErrorCode =
  | 'unauthorized'
  | 'reauthorization_required'
  | 'forbidden'
  | 'app_not_connected'
  | 'not_found'
  | 'validation'
  | 'bad_request'
  | 'rate_limited'
  | 'server'
  | 'http'
  | 'timeout'
  | 'network'
  | 'config'
  | 'decode'
  | 'oauth'
  | 'store'
  | 'state_mismatch'
  | 'invalid_call'
  | 'upload'

/**
 * Every error code, in the core's order.
 *
 * @example
 * ```ts
 * import { ERROR_CODES } from '@procore-sdk/node'
 *
 * console.log(ERROR_CODES.includes('not_found')) // true
 * ```
 */
export declare const ERROR_CODES: readonly ErrorCode[]

/**
 * JSON as `JSON.parse` returns it.
 *
 * @example
 * ```ts
 * const info: { [key: string]: JsonValue } = await client.tokenInfo()
 * ```
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/**
 * Every SDK error. Narrow with `instanceof` on a subclass, or on `code` after `isProcoreError`.
 * Messages never contain tokens or secrets.
 *
 * @example
 * ```ts
 * try {
 *   await client.get('projects/1')
 * } catch (err) {
 *   if (err instanceof ProcoreError) console.error(err.code, err.status, err.requestId, err.message)
 *   throw err
 * }
 * ```
 */
export declare class ProcoreError extends Error {
  /** The stable error code (one per subclass). */
  readonly code: ErrorCode
  /** HTTP status of the answer behind the error, when there was one. */
  readonly status: number | null
  /** `X-Request-Id` of that answer, for Procore support. */
  readonly requestId: string | null
  /** The parsed JSON body of that answer. */
  readonly body: JsonValue | null
}
/**
 * 401 that a refresh could not cure (or a credential that cannot refresh).
 *
 * @example
 * ```ts
 * try {
 *   await client.get('me')
 * } catch (err) {
 *   if (err instanceof UnauthorizedError) console.error('the access token was refused')
 * }
 * ```
 */
export declare class UnauthorizedError extends ProcoreError {
  readonly code: 'unauthorized'
}
/**
 * The refresh token is gone: the user must authorize the app again.
 *
 * @example
 * ```ts
 * try {
 *   await client.get('me')
 * } catch (err) {
 *   if (err instanceof ReauthorizationRequiredError) res.redirect(oauth.authorizeUrl(CALLBACK).url)
 *   else throw err
 * }
 * ```
 */
export declare class ReauthorizationRequiredError extends ProcoreError {
  readonly code: 'reauthorization_required'
}
/**
 * 403: no permission, tool disabled, out of scope.
 *
 * @example
 * ```ts
 * try {
 *   await client.get('projects/5/budget_views')
 * } catch (err) {
 *   if (err instanceof ForbiddenError) console.error('no permission:', err.message)
 * }
 * ```
 */
export declare class ForbiddenError extends ProcoreError {
  readonly code: 'forbidden'
}
/**
 * 403 "App is not connected to this company".
 *
 * @example
 * ```ts
 * try {
 *   await client.get('projects', { companyId: 666, query: { company_id: 666 } })
 * } catch (err) {
 *   if (err instanceof AppNotConnectedError) console.error('install the app in company 666 first')
 * }
 * ```
 */
export declare class AppNotConnectedError extends ProcoreError {
  readonly code: 'app_not_connected'
}
/**
 * 404: not found, or not visible to this user.
 *
 * @example
 * ```ts
 * const project = await client.get('projects/1').then((r) => r.json(), (err) => {
 *   if (err instanceof NotFoundError) return null
 *   throw err
 * })
 * ```
 */
export declare class NotFoundError extends ProcoreError {
  readonly code: 'not_found'
}
/**
 * 422: `errors` maps each field to its messages (a plain string error is under `base`).
 *
 * @example
 * ```ts
 * try {
 *   await client.post('projects/5/rfis', { rfi: { subject: '' } })
 * } catch (err) {
 *   if (err instanceof ValidationError) {
 *     for (const [field, messages] of Object.entries(err.errors)) console.log(field, messages.join(', '))
 *   }
 * }
 * ```
 */
export declare class ValidationError extends ProcoreError {
  readonly code: 'validation'
  /** Field name -> messages. */
  readonly errors: Record<string, string[]>
}
/**
 * 400: the request was malformed (e.g. a missing company id).
 *
 * @example
 * ```ts
 * try {
 *   await client.get('projects', { withoutCompany: true })
 * } catch (err) {
 *   if (err instanceof BadRequestError) console.error(err.body)
 * }
 * ```
 */
export declare class BadRequestError extends ProcoreError {
  readonly code: 'bad_request'
}
/**
 * 429 (or a wait for the rate budget longer than allowed); `retryAt` is when to come back.
 *
 * @example
 * ```ts
 * try {
 *   await client.get('projects', { query: { company_id: 8089 } })
 * } catch (err) {
 *   if (err instanceof RateLimitedError) console.log(`rate limited until ${err.retryAt?.toISOString()}`)
 * }
 * ```
 */
export declare class RateLimitedError extends ProcoreError {
  readonly code: 'rate_limited'
  /** When the budget is expected back. */
  readonly retryAt: Date | null
}
/**
 * 5xx that outlasted the retries; `retryAt` is set when the server said when to come back.
 *
 * @example
 * ```ts
 * try {
 *   await client.get('me')
 * } catch (err) {
 *   if (err instanceof ServerError) console.error(err.status, err.retryAt, err.requestId)
 * }
 * ```
 */
export declare class ServerError extends ProcoreError {
  readonly code: 'server'
  /** When the server said to come back (a 503 `Retry-After` longer than the client waits). */
  readonly retryAt: Date | null
}
/**
 * Any other HTTP error status (405, 409, ...).
 *
 * @example
 * ```ts
 * try {
 *   await client.post('projects/5/rfis', rfi)
 * } catch (err) {
 *   if (err instanceof HttpError) console.error(err.status, err.body)
 * }
 * ```
 */
export declare class HttpError extends ProcoreError {
  readonly code: 'http'
}
/**
 * The request, or the call's overall deadline, timed out.
 *
 * @example
 * ```ts
 * try {
 *   await client.get('projects', { timeoutMs: 5_000, deadlineMs: 20_000 })
 * } catch (err) {
 *   if (err instanceof TimeoutError) console.error('Procore did not answer in time')
 * }
 * ```
 */
export declare class TimeoutError extends ProcoreError {
  readonly code: 'timeout'
}
/**
 * The connection failed: refused, reset, DNS, TLS.
 *
 * @example
 * ```ts
 * try {
 *   await client.get('me')
 * } catch (err) {
 *   if (err instanceof NetworkError) console.error('offline?', err.message)
 * }
 * ```
 */
export declare class NetworkError extends ProcoreError {
  readonly code: 'network'
}
/**
 * The SDK was configured or called wrongly (thrown synchronously by constructors).
 *
 * @example
 * ```ts
 * try {
 *   new Client({ accessToken: 't', environment: 'staging' })
 * } catch (err) {
 *   if (err instanceof ConfigError) console.error(err.message) // unknown environment ...
 * }
 * ```
 */
export declare class ConfigError extends ProcoreError {
  readonly code: 'config'
}
/**
 * An answer that could not be decoded (invalid JSON, an HTML page).
 *
 * @example
 * ```ts
 * let data: unknown = null
 * try {
 *   data = (await client.get('me')).json()
 * } catch (err) {
 *   if (!(err instanceof DecodeError)) throw err
 * }
 * ```
 */
export declare class DecodeError extends ProcoreError {
  readonly code: 'decode'
}
/**
 * The OAuth server refused a grant; `oauthError` is its OAuth code, `status` the HTTP status of
 * the token endpoint's answer.
 *
 * @example
 * ```ts
 * try {
 *   await oauth.exchangeCode(request, code, state)
 * } catch (err) {
 *   if (err instanceof OAuthError) console.error(err.oauthError) // 'invalid_grant', 'invalid_client', ...
 * }
 * ```
 */
export declare class OAuthError extends ProcoreError {
  readonly code: 'oauth'
  /** The OAuth `error` value (`invalid_client`, `invalid_request`, ...). */
  readonly oauthError: string | null
}
/**
 * The token store could not be read or written.
 *
 * @example
 * ```ts
 * try {
 *   await client.get('me')
 * } catch (err) {
 *   if (err instanceof StoreError) console.error('the token store failed:', err.message)
 * }
 * ```
 */
export declare class StoreError extends ProcoreError {
  readonly code: 'store'
}
/**
 * The OAuth `state` that came back did not match the one sent.
 *
 * @example
 * ```ts
 * try {
 *   await oauth.exchangeCode(request, code, returnedState)
 * } catch (err) {
 *   if (err instanceof StateMismatchError) res.status(400).end() // a forged or stale redirect
 * }
 * ```
 */
export declare class StateMismatchError extends ProcoreError {
  readonly code: 'state_mismatch'
}
/**
 * A catalog operation called without what it needs (nothing was sent): `errors` maps each
 * place (`path.project_id`, `body.rfi.subject`) to what is wrong there.
 *
 * @example
 * ```ts
 * try {
 *   await client.call('RestV10ProjectsProjectIdRfisPost', { body: {} })
 * } catch (err) {
 *   if (err instanceof InvalidCallError) console.error(err.errors) // { 'path.project_id': [...], ... }
 * }
 * ```
 */
export declare class InvalidCallError extends ProcoreError {
  readonly code: 'invalid_call'
  /** Place (`path.project_id`, `query.x`, `body.rfi.subject`) -> what is wrong there. */
  readonly errors: Record<string, string[]>
}

/**
 * A file upload failed: `segment` (1-based, of `segments`) is the part the object store still
 * refused after `attempts` tries, `uploadId` the upload; `status` the store's last status.
 *
 * @example
 * ```ts
 * try {
 *   await client.upload('site.mp4', { projectId: 5 })
 * } catch (err) {
 *   if (err instanceof UploadError) console.error(err.uploadId, err.segment, err.segments, err.attempts)
 * }
 * ```
 */
export declare class UploadError extends ProcoreError {
  readonly code: 'upload'
  /** The upload's id, when one was created. */
  readonly uploadId: string | null
  /** The 1-based segment the object store still refused. */
  readonly segment: number | null
  /** Segments in all. */
  readonly segments: number | null
  /** Tries made for that segment. */
  readonly attempts: number | null
}

/**
 * The union of every error class: `switch (err.code)` narrows it.
 *
 * @example
 * ```ts
 * function describe(err: AnyProcoreError): string {
 *   switch (err.code) {
 *     case 'validation':
 *       return Object.keys(err.errors).join(', ')
 *     case 'rate_limited':
 *       return `retry at ${err.retryAt}`
 *     default:
 *       return err.message
 *   }
 * }
 * ```
 */
export type AnyProcoreError =
  | UnauthorizedError
  | ReauthorizationRequiredError
  | ForbiddenError
  | AppNotConnectedError
  | NotFoundError
  | ValidationError
  | BadRequestError
  | RateLimitedError
  | ServerError
  | HttpError
  | TimeoutError
  | NetworkError
  | ConfigError
  | DecodeError
  | OAuthError
  | StoreError
  | StateMismatchError
  | InvalidCallError
  | UploadError

/**
 * True for every error the SDK throws; narrows to `AnyProcoreError`, so `switch (e.code)`
 * narrows further.
 *
 * @example
 * ```ts
 * try {
 *   await client.get('me')
 * } catch (err) {
 *   if (isProcoreError(err) && err.code === 'not_found') return null
 *   throw err
 * }
 * ```
 */
export declare function isProcoreError(e: unknown): e is AnyProcoreError

// ---------------------------------------------------------------------------------------------
// Tokens and stores

/**
 * A token set as stores keep it (the core's store JSON). Times are Unix seconds.
 *
 * @example
 * ```ts
 * const tokens: TokenRecord = { access_token: '...', refresh_token: '...', expires_at: 1767225600 }
 * const client = Client.fromTokens(CLIENT_ID, CLIENT_SECRET, tokens, { environment: 'sandbox' })
 * ```
 */
export interface TokenRecord {
  /** The access token (a secret). */
  access_token: string
  /** The refresh token, if the grant gave one (a secret). */
  refresh_token?: string | null
  /** When the access token stops working. */
  expires_at?: number | null
  /** When the server created the set. */
  created_at?: number | null
  /** Grows by one at every rotation. */
  version?: number
}

/**
 * Any object that keeps one token set. The core re-reads it before every refresh and saves the
 * new set before using it; offer `lock()` if several processes share it. A method that throws
 * surfaces as a `StoreError`.
 *
 * @example
 * ```ts
 * const db = new Map<string, string>()
 * const store: TokenStore = {
 *   async load() {
 *     const text = db.get('procore')
 *     return text ? JSON.parse(text) : null
 *   },
 *   async save(tokens) {
 *     db.set('procore', JSON.stringify(tokens))
 *   },
 *   async clear() {
 *     db.delete('procore')
 *   },
 * }
 * const client = Client.fromStoredTokens(CLIENT_ID, CLIENT_SECRET, { tokenStore: store })
 * ```
 */
export interface TokenStore {
  /**
   * The stored set, or `null`/`undefined` when the store is empty.
   *
   * @example
   * ```ts
   * const tokens = await store.load()
   * ```
   */
  load(): Promise<TokenRecord | null | undefined>
  /**
   * Replaces the stored set, durably: called after every rotation, before the new token is used.
   *
   * @example
   * ```ts
   * await store.save({ access_token: '...', refresh_token: '...', expires_at: 1767225600 })
   * ```
   */
  save(tokens: TokenRecord): Promise<void>
  /**
   * Called by `revoke()`; optional.
   *
   * @example
   * ```ts
   * await store.clear?.()
   * ```
   */
  clear?(): Promise<void>
  /**
   * A lock across the processes sharing this store (a database row, a file on a shared
   * volume); optional. The core holds it around every refresh and calls `release()` after
   * saving the new set.
   *
   * @example
   * ```ts
   * async lock() {
   *   await db.query('SELECT pg_advisory_lock(42)')
   *   return { release: () => db.query('SELECT pg_advisory_unlock(42)').then(() => undefined) }
   * }
   * ```
   */
  lock?(): Promise<{ release(): Promise<void> | void } | null>
}

/**
 * The in-process store (the default).
 *
 * @example
 * ```ts
 * const store = new MemoryTokenStore()
 * const client = Client.fromRefreshToken(CLIENT_ID, CLIENT_SECRET, refreshToken, { tokenStore: store })
 * await client.get('me')
 * console.log((await store.load())?.version)
 * ```
 */
export declare class MemoryTokenStore implements TokenStore {
  /**
   * An empty store.
   *
   * @example
   * ```ts
   * const store = new MemoryTokenStore()
   * ```
   */
  constructor()
  /**
   * The stored set, or `null`.
   *
   * @example
   * ```ts
   * const tokens = await store.load()
   * ```
   */
  load(): Promise<TokenRecord | null>
  /**
   * Replaces the stored set.
   *
   * @example
   * ```ts
   * await store.save({ access_token: '...', refresh_token: '...', expires_at: 1767225600 })
   * ```
   */
  save(tokens: TokenRecord): Promise<void>
  /**
   * Removes the stored set.
   *
   * @example
   * ```ts
   * await store.clear()
   * ```
   */
  clear(): Promise<void>
}

/**
 * Redis (`redis://[user:password@]host:port[/db]`, `rediss://`): the token set and a lease lock
 * shared by processes and machines. Use one prefix per token set (`RedisTokenStore.keyPrefix`).
 *
 * @example
 * ```ts
 * const prefix = RedisTokenStore.keyPrefix('sandbox', CLIENT_ID, 'user-42')
 * const store = new RedisTokenStore('redis://localhost:6379/0', prefix)
 * const client = Client.fromStoredTokens(CLIENT_ID, CLIENT_SECRET, { tokenStore: store, environment: 'sandbox' })
 * ```
 */
export declare class RedisTokenStore extends MemoryTokenStore {
  /**
   * A store under `prefix` in the Redis at `url`; throws `ConfigError` for a bad URL.
   *
   * @example
   * ```ts
   * const store = new RedisTokenStore('rediss://user:pass@redis.internal:6380/2', 'procore:prod:app:42:')
   * ```
   */
  constructor(url: string, prefix: string)
  /** The key prefix this store uses. */
  readonly prefix: string
  /**
   * A key prefix for an environment, an app and a user.
   *
   * @example
   * ```ts
   * const prefix = RedisTokenStore.keyPrefix('production', CLIENT_ID, 'user-42')
   * ```
   */
  static keyPrefix(environment: string, clientId: string, user: string): string
}

/**
 * A JSON file (mode 0600, atomic durable writes, an OS lock across processes): several
 * processes may share one file and still refresh once per expiry.
 *
 * @example
 * ```ts
 * const store = new FileTokenStore('/var/lib/myapp/procore-tokens.json')
 * const client = Client.fromRefreshToken(CLIENT_ID, CLIENT_SECRET, refreshToken, { tokenStore: store })
 * ```
 */
export declare class FileTokenStore extends MemoryTokenStore {
  /**
   * A store in the file at `path` (created at the first save).
   *
   * @example
   * ```ts
   * const store = new FileTokenStore('tokens.json')
   * ```
   */
  constructor(path: string)
  /** The token file's path. */
  readonly path: string
}

// ---------------------------------------------------------------------------------------------
// Options

/**
 * Procore's named environments.
 *
 * @example
 * ```ts
 * const env: EnvironmentName = process.env.NODE_ENV === 'production' ? 'production' : 'sandbox'
 * ```
 */
export type EnvironmentName = 'production' | 'sandbox' | 'monthly_sandbox' | 'federal'

/**
 * Where to connect: give one of `environment`, `baseUrl`, or `apiBase` with `loginBase`.
 *
 * @example
 * ```ts
 * const sandbox: EnvironmentOptions = { environment: 'sandbox' }
 * const simulator: EnvironmentOptions = { baseUrl: 'http://127.0.0.1:8910' }
 * ```
 */
export interface EnvironmentOptions {
  /** A named environment (default production), or a URL serving both OAuth and the API. */
  environment?: EnvironmentName | string
  /** One origin serving both the API and OAuth (the local simulator, a proxy). */
  baseUrl?: string
  /** The API origin (with `loginBase`). */
  apiBase?: string
  /** The OAuth origin (with `apiBase` or `baseUrl`). */
  loginBase?: string
}

/**
 * The options of a client: the same names in every language (README, "Options"); durations
 * in milliseconds. Every field is optional; give one kind of credentials.
 *
 * @example
 * ```ts
 * const options: ClientOptions = {
 *   clientId: CLIENT_ID,
 *   clientSecret: CLIENT_SECRET,
 *   refreshToken,
 *   tokenStore: new FileTokenStore('tokens.json'),
 *   environment: 'sandbox',
 *   companyId: 8089,
 *   maxAttempts: 6,
 *   deadlineMs: 5 * 60_000,
 * }
 * const client = new Client(options)
 * ```
 */
export interface ClientOptions extends EnvironmentOptions {
  /** A fixed access token (never refreshed). */
  accessToken?: string
  /** The app's OAuth client id (with `clientSecret`). */
  clientId?: string
  /** The app's OAuth client secret (with `clientId`). */
  clientSecret?: string
  /** A user's refresh token (a set already in `tokenStore` wins: it is newer). */
  refreshToken?: string
  /** A user's full token set (e.g. from `OAuthClient.exchangeCode`). */
  tokens?: TokenRecord
  /** The tokens live only in `tokenStore` (implied when a store is given with app credentials only). */
  stored?: boolean
  /** Where the tokens are kept (default: a `MemoryTokenStore`). */
  tokenStore?: TokenStore
  /** Sent as `Procore-Company-Id` when a call does not name a company. */
  companyId?: number
  /** API version of relative paths (default `v1.0`). */
  apiVersion?: string
  /** Your application's name, put before the SDK's in `User-Agent`. */
  userAgent?: string
  /** Timeout of a TCP + TLS connect. */
  connectTimeoutMs?: number
  /** Per-attempt timeout (default 60 s). */
  requestTimeoutMs?: number
  /** Refresh this long before expiry (default 5 minutes). */
  refreshSkewMs?: number
  /** Attempts in all per call (default 4; 1 disables retries). */
  maxAttempts?: number
  /** The first backoff delay (doubled at each retry, with jitter). */
  retryBaseDelayMs?: number
  /** The longest backoff delay. */
  retryMaxDelayMs?: number
  /** The longest `Retry-After` of a 503 that is waited out (default 60 s). */
  maxRetryAfterMs?: number
  /** Overall deadline per call, waits included (default 2 minutes). */
  deadlineMs?: number
  /** No overall deadline. */
  noDeadline?: boolean
  /** Pace calls from the rate-limit headers (default true). */
  rateLimit?: boolean
  /** Fail with `rate_limited` instead of waiting longer than this. */
  rateLimitMaxWaitMs?: number
  /**
   * A Redis URL (`redis://`, `rediss://`): the rate budget is shared there by every process
   * of the same app on the same API host.
   */
  rateBudget?: string
  /** The largest response body read (default 32 MiB). */
  maxBodyBytes?: number
}

/**
 * One scalar query value (`null` and `undefined` are skipped).
 *
 * @example
 * ```ts
 * const v: QueryScalar = 8089
 * ```
 */
export type QueryScalar = string | number | boolean | null | undefined
/**
 * A query value: a scalar, a list (sent `key[]=a&key[]=b`) or a nested object (`key[sub]=v`).
 *
 * @example
 * ```ts
 * const filters: QueryValue = { status_id: [1, 2], created_at: '2024-01-01...2024-12-31' }
 * ```
 */
export type QueryValue = QueryScalar | readonly QueryScalar[] | { [key: string]: QueryValue }
/**
 * Query parameters (the core's one rule): arrays are sent Rails-style as `key[]=a&key[]=b`,
 * nested objects as `key[sub]=v` (`filters: { status_id: [1, 2] }`), `null` is skipped; pairs
 * keep their keys as given.
 *
 * @example
 * ```ts
 * await client.get('projects/5/rfis', { query: { filters: { status: 'open' }, sort: 'number' } })
 * await client.get('projects', { query: new URLSearchParams({ company_id: '8089' }) })
 * ```
 */
export type Query =
  | { [key: string]: QueryValue }
  | URLSearchParams
  | ReadonlyArray<readonly [string, QueryValue]>

/**
 * Per-call options of `request`, `get`, `post`, `put`, `patch`, `delete` (and, without `raw`,
 * of `paginate`): they override the client's for this call only.
 *
 * @example
 * ```ts
 * const r = await client.get('projects', {
 *   query: { company_id: 8089 },
 *   companyId: 8089,
 *   timeoutMs: 10_000,
 *   maxAttempts: 2,
 * })
 * ```
 */
export interface RequestOptions {
  /** Query parameters (see `Query`). */
  query?: Query
  /** This call's company, whatever the client's default. */
  companyId?: number
  /** Send no `Procore-Company-Id` on this call. */
  withoutCompany?: boolean
  /** API version of a relative path. */
  version?: string
  /** Per-attempt timeout. */
  timeoutMs?: number
  /** Attempts in all for this call. */
  maxAttempts?: number
  /** Overall deadline of this call. */
  deadlineMs?: number
  /** Return 3xx answers as responses instead of `HttpError` (never followed either way). */
  raw?: boolean
}

/**
 * `request`'s options: the call options and the JSON body.
 *
 * @example
 * ```ts
 * await client.request('POST', 'projects/5/rfis', { body: { rfi: { subject: 'Door height' } } })
 * ```
 */
export interface RequestWithBodyOptions extends RequestOptions {
  /** A JSON body (serialized with `JSON.stringify`). */
  body?: unknown
}

/**
 * `paginate`'s options: the call options (sent with every page) and the walk's limits.
 *
 * @example
 * ```ts
 * const first50 = await client.paginate('projects', { query: { company_id: 8089 }, perPage: 50, maxItems: 50 }).toArray()
 * ```
 */
export interface PaginateOptions extends Omit<RequestOptions, 'raw'> {
  /** Items per page asked from the server (v1 max 1000). */
  perPage?: number
  /** Stop after this many items. */
  maxItems?: number
}

/**
 * An HTTP method, either case.
 *
 * @example
 * ```ts
 * const method: HttpMethod = 'PATCH'
 * await client.request(method, 'projects/5', { body: { project: { active: false } } })
 * ```
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | Lowercase<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS'>

// ---------------------------------------------------------------------------------------------
// Responses and pages

/**
 * The rate-limit window an answer reported (`X-Rate-Limit-*`).
 *
 * @example
 * ```ts
 * const rl = (await client.get('me')).rateLimit
 * if (rl && rl.remaining < 10) console.log(`${rl.remaining}/${rl.limit} left until ${rl.reset.toISOString()}`)
 * ```
 */
export interface RateLimit {
  /** Requests allowed in the window. */
  limit: number
  /** Requests left in the window. */
  remaining: number
  /** When the window resets. */
  reset: Date
}

/**
 * A successful answer (errors are thrown as `ProcoreError` subclasses).
 *
 * @example
 * ```ts
 * const r = await client.get('projects', { query: { company_id: 8089 } })
 * console.log(r.status, r.requestId, r.attempts, r.waitedMs, r.header('total'))
 * const projects = r.json<{ id: number; name: string }[]>()
 * ```
 */
export declare class Response {
  /** The HTTP status. */
  readonly status: number
  /** True for 2xx. */
  readonly ok: boolean
  /** Lower-case header names; repeated headers joined with `", "`. */
  readonly headers: Readonly<Record<string, string>>
  /** The rate-limit window this answer reported, if any. */
  readonly rateLimit: RateLimit | null
  /** `X-Request-Id`, for Procore support. */
  readonly requestId: string | null
  /** Attempts the core made for this call (1 when nothing was retried). */
  readonly attempts: number
  /** Time spent waiting for the rate budget and in backoff. */
  readonly waitedMs: number
  /**
   * One header (case-insensitive), or null.
   *
   * @example
   * ```ts
   * const total = Number(r.header('Total') ?? 0)
   * ```
   */
  header(name: string): string | null
  /**
   * The raw body (exact: large numbers are not rounded).
   *
   * @example
   * ```ts
   * const text = (await client.get('me')).text()
   * ```
   */
  text(): string
  /**
   * The body as `JSON.parse` gives it (`null` when empty); throws `DecodeError` if not JSON.
   *
   * @example
   * ```ts
   * const me = (await client.get('me')).json<{ id: number; login: string }>()
   * ```
   */
  json<T = any>(): T
}

/**
 * One page of a collection (`Paginator.pages()`).
 *
 * @example
 * ```ts
 * for await (const page of client.paginate('projects', { query: { company_id: 8089 } }).pages()) {
 *   console.log(`page ${page.number}: ${page.items.length} of ${page.total ?? '?'}`)
 * }
 * ```
 */
export interface Page<T = any> {
  /** The page's items, in server order. */
  items: T[]
  /** 1-based page number. */
  number: number
  /** `Total` header: items in the whole collection, if the server said. */
  total: number | null
  /** `Per-Page` header: the effective page size, if the server said. */
  perPage: number | null
  /** True when another page follows. */
  hasNext: boolean
  /** The rate-limit window this page's answer reported. */
  rateLimit: RateLimit | null
  /** `X-Request-Id` of this page's answer. */
  requestId: string | null
}

/**
 * A collection walk (`client.paginate(...)`): `for await (const item of paginator)`; each walk
 * starts from page 1 and holds at most one page in memory.
 *
 * @example
 * ```ts
 * const paginator = client.paginate<{ id: number; active: boolean }>('projects', { query: { company_id: 8089 } })
 * let active = 0
 * for await (const project of paginator) if (project.active) active++
 * ```
 */
export declare class Paginator<T = any> implements AsyncIterable<T> {
  private constructor()
  /**
   * The pages in order, each with its items and headers.
   *
   * @example
   * ```ts
   * for await (const page of client.paginate('projects', { query: { company_id: 8089 } }).pages()) {
   *   console.log(page.number, page.items.length, page.hasNext)
   * }
   * ```
   */
  pages(): AsyncGenerator<Page<T>, void, undefined>
  /**
   * The items in order, fetched page by page.
   *
   * @example
   * ```ts
   * for await (const rfi of client.paginate('projects/5/rfis')) console.log(rfi.subject)
   * ```
   */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined>
  /**
   * Every item in one array (for small collections).
   *
   * @example
   * ```ts
   * const companies = await client.paginate('companies').toArray()
   * ```
   */
  toArray(): Promise<T[]>
}

// ---------------------------------------------------------------------------------------------
// Authorization code

/**
 * The out-of-band redirect URI, for apps without a web server: Procore shows the code to paste.
 *
 * @example
 * ```ts
 * const request = oauth.authorizeUrl(OOB_REDIRECT_URI)
 * console.log('open', request.url, 'and paste the code here')
 * ```
 */
export declare const OOB_REDIRECT_URI: 'urn:ietf:wg:oauth:2.0:oob'

/**
 * A pending login: send the user to `url`; keep the rest (the verifier is a secret) for the exchange.
 * A plain object: store it in the session as it is.
 *
 * @example
 * ```ts
 * const request: AuthorizationRequest = oauth.authorizeUrl('https://example.com/callback')
 * req.session.login = request
 * res.redirect(request.url)
 * ```
 */
export interface AuthorizationRequest {
  /** The URL to open in the user's browser. */
  url: string
  /** The random `state` sent; the redirect must bring it back unchanged. */
  state: string
  /** The redirect URI sent. */
  redirectUri: string
  /** The PKCE verifier, when PKCE is used (a secret until the exchange). */
  pkceVerifier: string | null
}

/**
 * `OAuthClient`'s options: the app's credentials and where to connect.
 *
 * @example
 * ```ts
 * const options: OAuthClientOptions = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, environment: 'sandbox' }
 * ```
 */
export interface OAuthClientOptions extends EnvironmentOptions {
  /** The app's OAuth client id. */
  clientId: string
  /** The app's OAuth client secret. */
  clientSecret: string
}

/**
 * The OAuth endpoints of one environment for one app: the authorization-code login.
 *
 * @example
 * ```ts
 * const oauth = new OAuthClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, environment: 'sandbox' })
 * const request = oauth.authorizeUrl('https://example.com/callback')
 * // ... the user logs in; the redirect brings `code` and `state` back
 * const tokens = await oauth.exchangeCode(request, code, state)
 * const client = Client.fromTokens(CLIENT_ID, CLIENT_SECRET, tokens, { environment: 'sandbox' })
 * ```
 */
export declare class OAuthClient {
  /**
   * An OAuth client; throws `ConfigError` without `clientId` and `clientSecret` strings.
   *
   * @example
   * ```ts
   * const oauth = new OAuthClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, environment: 'sandbox' })
   * ```
   */
  constructor(options: OAuthClientOptions)
  /**
   * Starts a login: the URL, a fresh state and (by default) a PKCE S256 challenge. The default
   * redirect is `OOB_REDIRECT_URI`.
   *
   * @example
   * ```ts
   * const request = oauth.authorizeUrl('https://example.com/callback')
   * res.redirect(request.url)
   * ```
   */
  authorizeUrl(redirectUri?: string, options?: { pkce?: boolean }): AuthorizationRequest
  /**
   * Checks the returned state (`StateMismatchError`), then exchanges the single-use code.
   *
   * @example
   * ```ts
   * const tokens = await oauth.exchangeCode(req.session.login, String(req.query.code), String(req.query.state))
   * ```
   */
  exchangeCode(request: AuthorizationRequest, code: string, returnedState: string): Promise<TokenRecord>
}

// ---------------------------------------------------------------------------------------------
// Client

/**
 * A Procore API client: one per app (per token set). Calls share its connection pool, its
 * tokens and its rate budget, from any number of concurrent callers. Every call returns a promise
 * and rejects with a `ProcoreError` subclass.
 *
 * @example
 * ```ts
 * import { Client, FileTokenStore, NotFoundError } from '@procore-sdk/node'
 *
 * const client = Client.fromRefreshToken(CLIENT_ID, CLIENT_SECRET, refreshToken, {
 *   tokenStore: new FileTokenStore('tokens.json'),
 *   environment: 'sandbox',
 *   companyId: 8089,
 * })
 * const me = (await client.get('me')).json()
 * const project = await client.get('projects/5').catch((err) => (err instanceof NotFoundError ? null : Promise.reject(err)))
 * client.close()
 * ```
 */
export declare class Client {
  /**
   * A client from its options; the static factories below are shorthands for it. Throws
   * `ConfigError` for missing credentials, unknown options or wrong types.
   *
   * @example
   * ```ts
   * const client = new Client({ accessToken: process.env.PROCORE_TOKEN, environment: 'sandbox', companyId: 8089 })
   * ```
   */
  constructor(options: ClientOptions)
  /**
   * A fixed access token (never refreshed; a 401 is final).
   *
   * @example
   * ```ts
   * const client = Client.fromAccessToken(process.env.PROCORE_TOKEN!, { environment: 'sandbox' })
   * ```
   */
  static fromAccessToken(accessToken: string, options?: ClientOptions): Client
  /**
   * A service account: the client-credentials grant, fetched again at expiry.
   *
   * @example
   * ```ts
   * const client = Client.fromClientCredentials(CLIENT_ID, CLIENT_SECRET, { environment: 'sandbox', companyId: 8089 })
   * ```
   */
  static fromClientCredentials(clientId: string, clientSecret: string, options?: ClientOptions): Client
  /**
   * A user's refresh token (a set already in `tokenStore` wins: it is newer). The first call refreshes.
   *
   * @example
   * ```ts
   * const client = Client.fromRefreshToken(CLIENT_ID, CLIENT_SECRET, refreshToken, { tokenStore: new FileTokenStore('tokens.json') })
   * ```
   */
  static fromRefreshToken(clientId: string, clientSecret: string, refreshToken: string, options?: ClientOptions): Client
  /**
   * A user's full token set (e.g. from `OAuthClient.exchangeCode`).
   *
   * @example
   * ```ts
   * const tokens = await oauth.exchangeCode(request, code, state)
   * const client = Client.fromTokens(CLIENT_ID, CLIENT_SECRET, tokens, { environment: 'sandbox' })
   * ```
   */
  static fromTokens(clientId: string, clientSecret: string, tokens: TokenRecord, options?: ClientOptions): Client
  /**
   * Tokens that live only in `options.tokenStore` (saved by an earlier run or login).
   *
   * @example
   * ```ts
   * const client = Client.fromStoredTokens(CLIENT_ID, CLIENT_SECRET, { tokenStore: new RedisTokenStore(REDIS_URL, prefix) })
   * ```
   */
  static fromStoredTokens(clientId: string, clientSecret: string, options?: ClientOptions): Client
  /**
   * Finishes an authorization-code login and returns a client holding the new tokens.
   *
   * @example
   * ```ts
   * const client = await Client.fromAuthorizationCode(
   *   CLIENT_ID, CLIENT_SECRET, req.session.login, String(req.query.code), String(req.query.state),
   *   { environment: 'sandbox', tokenStore: store },
   * )
   * ```
   */
  static fromAuthorizationCode(
    clientId: string,
    clientSecret: string,
    request: AuthorizationRequest,
    code: string,
    returnedState: string,
    options?: ClientOptions,
  ): Promise<Client>

  /** The default company id (`Procore-Company-Id` when a call names none), or null. */
  readonly companyId: number | null
  /** True after `close()`. */
  readonly closed: boolean

  /**
   * Any method; `options.body` is the JSON body. `path` is absolute (`/rest/v1.0/projects`) or
   * relative to the API version (`projects`).
   *
   * @example
   * ```ts
   * const r = await client.request('GET', 'projects', { query: { company_id: 8089 } })
   * ```
   */
  request(method: HttpMethod, path: string, options?: RequestWithBodyOptions): Promise<Response>
  /**
   * `GET path`.
   *
   * @example
   * ```ts
   * const projects = (await client.get('projects', { query: { company_id: 8089 } })).json()
   * ```
   */
  get(path: string, options?: RequestOptions): Promise<Response>
  /**
   * `DELETE path`.
   *
   * @example
   * ```ts
   * await client.delete('projects/5/rfis/7')
   * ```
   */
  delete(path: string, options?: RequestOptions): Promise<Response>
  /**
   * `POST path` with a JSON body.
   *
   * @example
   * ```ts
   * const rfi = (await client.post('projects/5/rfis', { rfi: { subject: 'Door height' } })).json()
   * ```
   */
  post(path: string, body?: unknown, options?: RequestOptions): Promise<Response>
  /**
   * `PUT path` with a JSON body.
   *
   * @example
   * ```ts
   * await client.put('projects/5/rfis/7', { rfi: { subject: 'Door height (rev. B)' } })
   * ```
   */
  put(path: string, body?: unknown, options?: RequestOptions): Promise<Response>
  /**
   * `PATCH path` with a JSON body.
   *
   * @example
   * ```ts
   * await client.patch('projects/5', { project: { active: false } }, { companyId: 8089 })
   * ```
   */
  patch(path: string, body?: unknown, options?: RequestOptions): Promise<Response>
  /**
   * A catalog operation by id (see `catalog`), checked first: an `InvalidCallError` names what is
   * missing (a path parameter, a required query parameter or body field) and nothing is sent.
   *
   * @example
   * ```ts
   * const r = await client.call('RestV10ProjectsProjectIdRfisPost', {
   *   path: { project_id: 5 },
   *   body: { rfi: { subject: 'Door height' } },
   * })
   * ```
   */
  call(operation: string, options?: CallOperationOptions): Promise<Response>
  /**
   * Walks a v1 (array) or v2 (`{data}`) collection page by page.
   *
   * @example
   * ```ts
   * for await (const project of client.paginate<{ id: number; name: string }>('projects', { query: { company_id: 8089 } })) {
   *   console.log(project.id, project.name)
   * }
   * ```
   */
  paginate<T = any>(path: string, options?: PaginateOptions): Paginator<T>

  /**
   * The current token set, if the client holds one. Handle with care: it holds secrets.
   *
   * @example
   * ```ts
   * const tokens = client.tokens()
   * if (tokens) console.log('expires at', new Date((tokens.expires_at ?? 0) * 1000))
   * ```
   */
  tokens(): TokenRecord | null
  /**
   * `/oauth/token/info` for the current access token.
   *
   * @example
   * ```ts
   * const info = await client.tokenInfo()
   * console.log(info.resource_owner_id)
   * ```
   */
  tokenInfo(): Promise<{ [key: string]: JsonValue }>
  /**
   * Revokes the tokens at the server and clears the store (logout).
   *
   * @example
   * ```ts
   * await client.revoke() // later calls reject with ReauthorizationRequiredError
   * ```
   */
  revoke(): Promise<void>
  /**
   * Any number of updates for a `.../sync` endpoint, in batches of at most 1000, merged; each
   * refusal keeps the input index of its update.
   *
   * @example
   * ```ts
   * const out = await client.sync('vendors/sync', [{ id: 1, name: 'Acme' }], { body: { company_id: 8089 } })
   * for (const e of out.errors) console.error(e.index, e.error)
   * ```
   */
  sync(path: string, updates: object[], options?: SyncOptions): Promise<SyncResult>
  /**
   * A direct upload of bytes or a file path (v2.1 unless `flow` says otherwise).
   *
   * @example
   * ```ts
   * const up = await client.upload('plans.pdf', { projectId: 5, progress: (p) => console.log(p.sent, '/', p.total) })
   * console.log(up.id, up.sha256)
   * ```
   */
  upload(source: Uint8Array | string, options?: UploadOptions): Promise<UploadResult>
  /**
   * A webhook hook of a company or project.
   *
   * @example
   * ```ts
   * const hook = await client.createHook({
   *   projectId: 5,
   *   destinationUrl: 'https://example.com/procore',
   *   destinationHeaders: { Authorization: 'Bearer s3cret' },
   * })
   * ```
   */
  createHook(options: HookOptions & { destinationUrl: string }): Promise<{ [key: string]: JsonValue }>
  /**
   * Changes the given fields of a hook.
   *
   * @example
   * ```ts
   * await client.updateHook(hookId, { projectId: 5, destinationUrl: 'https://example.com/v2' })
   * ```
   */
  updateHook(hookId: number, options: HookOptions): Promise<{ [key: string]: JsonValue }>
  /**
   * The hooks of a company or project.
   *
   * @example
   * ```ts
   * const hooks = await client.listHooks({ projectId: 5 })
   * ```
   */
  listHooks(options?: HookScope): Promise<{ [key: string]: JsonValue }[]>
  /**
   * Deletes a hook.
   *
   * @example
   * ```ts
   * await client.deleteHook(hookId, { projectId: 5 })
   * ```
   */
  deleteHook(hookId: number, options?: HookScope): Promise<void>
  /**
   * Delivers `eventType` (create, update, delete) of `resourceName` (RFIs, ...) to the hook.
   *
   * @example
   * ```ts
   * await client.createTrigger(hookId, 'RFIs', 'create', { projectId: 5 })
   * ```
   */
  createTrigger(hookId: number, resourceName: string, eventType: 'create' | 'update' | 'delete', options?: HookScope): Promise<{ [key: string]: JsonValue }>
  /**
   * The triggers of a hook.
   *
   * @example
   * ```ts
   * const triggers = await client.listTriggers(hookId, { projectId: 5 })
   * ```
   */
  listTriggers(hookId: number, options?: HookScope): Promise<{ [key: string]: JsonValue }[]>
  /**
   * Deletes a trigger of a hook.
   *
   * @example
   * ```ts
   * await client.deleteTrigger(hookId, triggerId, { projectId: 5 })
   * ```
   */
  deleteTrigger(hookId: number, triggerId: number, options?: HookScope): Promise<void>
  /**
   * A hook's deliveries, all or by `status` (successful, failing, discarded).
   *
   * @example
   * ```ts
   * const failing = await client.listDeliveries(hookId, 'failing', { projectId: 5 })
   * ```
   */
  listDeliveries(hookId: number, status?: 'any' | 'successful' | 'failing' | 'discarded' | null, options?: HookScope): Promise<{ [key: string]: JsonValue }[]>
  /**
   * Refuses further calls (they reject with `ConfigError`) and releases the custom store's
   * callbacks. Idempotent.
   *
   * @example
   * ```ts
   * try {
   *   await client.get('me')
   * } finally {
   *   client.close()
   * }
   * ```
   */
  close(): void
}

// ---------------------------------------------------------------------------------------------
// Workflows: sync batches, uploads, webhooks

/**
 * `sync`'s options: the call options of every batch, the method and the batch size.
 *
 * @example
 * ```ts
 * await client.sync('projects/5/vendors/sync', updates, { method: 'PATCH', batchSize: 500, body: { company_id: 8089 } })
 * ```
 */
export interface SyncOptions extends RequestOptions {
  /** `PATCH` unless given. */
  method?: HttpMethod
  /** Updates per call, 1 to 1000 (default 1000). */
  batchSize?: number
  /** Fields sent beside `updates` (e.g. `{ company_id: 5 }`). */
  body?: object
}
/**
 * All batches of a sync merged.
 *
 * @example
 * ```ts
 * const out: SyncResult = await client.sync('vendors/sync', updates, { body: { company_id: 8089 } })
 * console.log(out.entities.length, 'written in', out.batches, 'batches;', out.errors.length, 'refused')
 * ```
 */
export interface SyncResult {
  /** Every entity written, in batch order. */
  entities: { [key: string]: JsonValue }[]
  /** `index` is the input position of the refused update, when the error names it. */
  errors: { index: number | null; error: { [key: string]: JsonValue } }[]
  /** Calls made. */
  batches: number
}
/**
 * What an upload's `progress` callback sees: once before the first byte, then after each stored segment.
 *
 * @example
 * ```ts
 * const progress = (p: UploadProgress) => console.log(`${p.segmentsDone}/${p.segments} segments, ${p.sent}/${p.total} bytes`)
 * await client.upload('site.mp4', { projectId: 5, progress })
 * ```
 */
export interface UploadProgress {
  /** Bytes stored so far. */
  sent: number
  /** Bytes in all. */
  total: number
  /** Segments stored so far. */
  segmentsDone: number
  /** Segments in all. */
  segments: number
}
/**
 * `upload`'s options.
 *
 * @example
 * ```ts
 * await client.upload(Buffer.from(csv), { fileName: 'export.csv', contentType: 'text/csv', companyId: 8089 })
 * await client.upload('site.mp4', { projectId: 5, segmentSize: 32 * 1024 * 1024, parallelism: 2 })
 * ```
 */
export interface UploadOptions {
  /** Required for bytes; the file's name otherwise. */
  fileName?: string
  /** Guessed from the name's extension unless given. */
  contentType?: string
  /** The upload flow: `v2.1` (default), `v1.1` or `v1.1-segmented`. */
  flow?: 'v2.1' | 'v1.1' | 'v1.1-segmented'
  /** Bytes per segment (default 16 MiB). */
  segmentSize?: number
  /** Segments in flight at once (default 4). */
  parallelism?: number
  /** Resends of a failed segment (default 3). */
  retries?: number
  /** How long to wait for `available` (v2.1); 0: do not wait. */
  waitMs?: number
  /** Upload into this company (one of `companyId`, `projectId`). */
  companyId?: number
  /** Upload into this project. */
  projectId?: number
  /** Called after each stored segment (in order; every call has returned when `upload` does). */
  progress?: (p: UploadProgress) => void
}
/**
 * A finished upload.
 *
 * @example
 * ```ts
 * const up: UploadResult = await client.upload('plans.pdf', { projectId: 5 })
 * await client.post('files', { file: { name: up.fileName, upload_uuid: up.id } }, { query: { project_id: 5 } })
 * ```
 */
export interface UploadResult {
  /** What a resource is attached with. */
  id: string
  /** The upload's status at the end (`available` once processed). */
  status: string
  /** The flow used. */
  flow: string
  /** The name Procore keeps. */
  fileName: string
  /** The content type sent. */
  contentType: string
  /** Bytes uploaded. */
  size: number
  /** SHA-256 of the content, hex. */
  sha256: string
  /** Segments uploaded. */
  segments: number
}
/**
 * Whose hooks: a company or a project.
 *
 * @example
 * ```ts
 * const hooks = await client.listHooks({ companyId: 8089 })
 * ```
 */
export interface HookScope {
  /** A company's hooks. */
  companyId?: number
  /** A project's hooks. */
  projectId?: number
}
/**
 * A hook's fields (`createHook`, `updateHook`).
 *
 * @example
 * ```ts
 * const options: HookOptions = { projectId: 5, destinationUrl: 'https://example.com/procore', apiVersion: 'v4.0' }
 * await client.createHook({ ...options, destinationUrl: options.destinationUrl! })
 * ```
 */
export interface HookOptions extends HookScope {
  /** Where Procore delivers events. */
  destinationUrl?: string
  /** Sent with every delivery; `WebhookReceiver` checks them. */
  destinationHeaders?: { [name: string]: string }
  /** The payload version (`v2`, `v3`, `v4.0`). */
  apiVersion?: string
  /** Your app's namespace for the hook. */
  namespace?: string
}
/**
 * `WebhookReceiver`'s options: where repeats are remembered.
 *
 * @example
 * ```ts
 * const receiver = new WebhookReceiver({ Authorization: 'Bearer s3cret' }, { redisUrl: 'redis://localhost:6379', ttlMs: 86_400_000 })
 * ```
 */
export interface WebhookReceiverOptions {
  /** Keys remembered in memory (default 10000). */
  remember?: number
  /** Remember keys in this Redis instead, shared by every receiver process. */
  redisUrl?: string
  /** The Redis key prefix of the remembered keys. */
  redisPrefix?: string
  /** How long Redis keeps a key (default a day). */
  ttlMs?: number
}
/**
 * A judged delivery: answer Procore with `status`; process `event` only when `verdict` is `accepted`.
 *
 * @example
 * ```ts
 * const d: Delivery = await receiver.receive(req.headers, body)
 * if (d.verdict === 'accepted') await handle(d.event!)
 * res.writeHead(d.status).end()
 * ```
 */
export interface Delivery {
  /** `accepted` (new and authentic), `duplicate` (seen before) or `rejected` (wrong headers or payload). */
  verdict: 'accepted' | 'duplicate' | 'rejected'
  /** The status to answer Procore with (200, or 401 for a forgery). */
  status: number
  /** The delivery's dedupe key. */
  key: string | null
  /** The event payload, when it could be read. */
  event: { [key: string]: JsonValue } | null
}
/**
 * Judges webhook deliveries: the destination headers (constant time), the payload, and repeats
 * (in memory, or in Redis with `redisUrl`).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 *
 * const receiver = new WebhookReceiver({ Authorization: 'Bearer s3cret' })
 * createServer(async (req, res) => {
 *   const chunks: Buffer[] = []
 *   for await (const c of req) chunks.push(c as Buffer)
 *   const d = await receiver.receive(req.headers, Buffer.concat(chunks))
 *   if (d.verdict === 'accepted') console.log(d.event)
 *   res.writeHead(d.status).end()
 * }).listen(8080)
 * ```
 */
export declare class WebhookReceiver {
  /**
   * A receiver checking the destination `headers` every authentic delivery carries.
   *
   * @example
   * ```ts
   * const receiver = new WebhookReceiver({ Authorization: 'Bearer s3cret' }, { remember: 50_000 })
   * ```
   */
  constructor(headers: { [name: string]: string }, options?: WebhookReceiverOptions)
  /**
   * Judges one delivery: `headers` as Node gives them (`req.headers`, or `req.rawHeaders`), the raw body.
   *
   * @example
   * ```ts
   * const d = await receiver.receive(req.rawHeaders, rawBody)
   * ```
   */
  receive(headers: { [name: string]: string | string[] | undefined } | string[], body: Uint8Array | string): Promise<Delivery>
}

// ---------------------------------------------------------------------------------------------
// The operation catalog

/**
 * `client.call`'s options: the path parameters, the JSON body and any request option.
 *
 * @example
 * ```ts
 * const options: CallOperationOptions = { path: { project_id: 5 }, query: { per_page: 10 } }
 * await client.call('RestV10ProjectsProjectIdRfisGet', options)
 * ```
 */
export interface CallOperationOptions extends RequestOptions {
  /** The path parameters, filling the operation's path template. */
  path?: { [name: string]: string | number }
  /** The JSON body. */
  body?: unknown
}

/**
 * A value's JSON shape, as far as Procore's description says.
 *
 * @example
 * ```ts
 * const op = catalog.operation('RestV10ProjectsProjectIdRfisPost')!
 * const schema: CatalogSchema | undefined = op.body?.schema
 * console.log(schema?.required, Object.keys(schema?.properties ?? {}))
 * ```
 */
export interface CatalogSchema {
  /** The JSON type, when the description gives one. */
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object'
  /** The allowed values. */
  enum?: JsonValue[]
  /** An object's fields. */
  properties?: { [name: string]: CatalogSchema }
  /** An object's required fields. */
  required?: string[]
  /** An array's items. */
  items?: CatalogSchema
}

/**
 * One operation of the API.
 *
 * @example
 * ```ts
 * const op: CatalogOperation | null = catalog.operation('RestV10ProjectsGet')
 * if (op) console.log(op.method, op.path, op.params.filter((p) => p.required).map((p) => p.name))
 * ```
 */
export interface CatalogOperation {
  /** The operation id (`RestV10ProjectsProjectIdRfisPost`), what `client.call` takes. */
  id: string
  /** The HTTP method. */
  method: HttpMethod
  /** The path template (`/rest/v1.0/projects/{project_id}/rfis`). */
  path: string
  /** The API version (`v1.0`, `v2.0`, ...). */
  version: string
  /** The description's tag (the tool or resource). */
  tag: string
  /** One line on what the operation does. */
  summary: string
  /** The path, query and header parameters. */
  params: { name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: CatalogSchema }[]
  /** The body, when the operation takes one. */
  body: { content_type: string; required: boolean; schema: CatalogSchema } | null
}

/**
 * Every operation of Procore's REST API description: search it, look one up, then call it
 * with `client.call`.
 *
 * @example
 * ```ts
 * import { catalog } from '@procore-sdk/node'
 *
 * for (const op of catalog.search('create rfi', 3)) console.log(op.id, op.method, op.path)
 * ```
 */
export declare const catalog: {
  /**
   * The operations whose id, path, summary or tag contain every word, best first.
   *
   * @example
   * ```ts
   * const ops = catalog.search('rfi replies', 5)
   * ```
   */
  search(words: string, limit?: number): CatalogOperation[]
  /**
   * The operation with this id (or, failing that, with this id ignoring case), or null.
   *
   * @example
   * ```ts
   * const op = catalog.operation('RestV10ProjectsProjectIdRfisPost')
   * ```
   */
  operation(id: string): CatalogOperation | null
}
