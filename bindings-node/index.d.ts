// Type definitions of the public API (index.js). Hand-written: they describe the layer users see,
// not the raw addon (whose generated typings come from `npm run build:napi` -> native.d.ts).

/** Every stable error code of the Rust core (`procore::Error::CODES`). */
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

export declare const ERROR_CODES: readonly ErrorCode[]

/** JSON as `JSON.parse` returns it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** Every SDK error. Narrow with `instanceof` on a subclass, or on `code` after `isProcoreError`. */
export declare class ProcoreError extends Error {
  readonly code: ErrorCode
  /** HTTP status of the answer behind the error, when there was one. */
  readonly status: number | null
  /** `X-Request-Id` of that answer, for Procore support. */
  readonly requestId: string | null
  /** The parsed JSON body of that answer. */
  readonly body: JsonValue | null
}
export declare class UnauthorizedError extends ProcoreError {
  readonly code: 'unauthorized'
}
/** The refresh token is gone: the user must authorize the app again. */
export declare class ReauthorizationRequiredError extends ProcoreError {
  readonly code: 'reauthorization_required'
}
export declare class ForbiddenError extends ProcoreError {
  readonly code: 'forbidden'
}
/** 403 "App is not connected to this company". */
export declare class AppNotConnectedError extends ProcoreError {
  readonly code: 'app_not_connected'
}
export declare class NotFoundError extends ProcoreError {
  readonly code: 'not_found'
}
/** 422: `errors` maps each field to its messages (a plain string error is under `base`). */
export declare class ValidationError extends ProcoreError {
  readonly code: 'validation'
  readonly errors: Record<string, string[]>
}
export declare class BadRequestError extends ProcoreError {
  readonly code: 'bad_request'
}
export declare class RateLimitedError extends ProcoreError {
  readonly code: 'rate_limited'
  /** When the budget is expected back. */
  readonly retryAt: Date | null
}
export declare class ServerError extends ProcoreError {
  readonly code: 'server'
  /** When the server said to come back (a 503 `Retry-After` longer than the client waits). */
  readonly retryAt: Date | null
}
export declare class HttpError extends ProcoreError {
  readonly code: 'http'
}
export declare class TimeoutError extends ProcoreError {
  readonly code: 'timeout'
}
export declare class NetworkError extends ProcoreError {
  readonly code: 'network'
}
export declare class ConfigError extends ProcoreError {
  readonly code: 'config'
}
export declare class DecodeError extends ProcoreError {
  readonly code: 'decode'
}
export declare class OAuthError extends ProcoreError {
  readonly code: 'oauth'
  /** The OAuth `error` value (`invalid_client`, `invalid_request`, ...). */
  readonly oauthError: string | null
}
export declare class StoreError extends ProcoreError {
  readonly code: 'store'
}
export declare class StateMismatchError extends ProcoreError {
  readonly code: 'state_mismatch'
}
/** A catalog operation called without what it needs (nothing was sent): `errors` maps each
 * place (`path.project_id`, `body.rfi.subject`) to what is wrong there. */
export declare class InvalidCallError extends ProcoreError {
  readonly code: 'invalid_call'
  readonly errors: Record<string, string[]>
}

/** A file upload failed: `segment` (1-based, of `segments`) is the part the object store still
 * refused after `attempts` tries, `uploadId` the upload; `status` the store's last status. */
export declare class UploadError extends ProcoreError {
  readonly code: 'upload'
  readonly uploadId: string | null
  readonly segment: number | null
  readonly segments: number | null
  readonly attempts: number | null
}

/** The union of every error class: `switch (err.code)` narrows it. */
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

export declare function isProcoreError(e: unknown): e is AnyProcoreError

// ---------------------------------------------------------------------------------------------
// Tokens and stores

/** A token set as stores keep it (the core's store JSON). Times are Unix seconds. */
export interface TokenRecord {
  access_token: string
  refresh_token?: string | null
  expires_at?: number | null
  created_at?: number | null
  /** Grows by one at every rotation. */
  version?: number
}

/**
 * Any object that keeps one token set. The core re-reads it before every refresh and saves the
 * new set before using it; offer `lock()` if several processes share it.
 */
export interface TokenStore {
  load(): Promise<TokenRecord | null | undefined>
  save(tokens: TokenRecord): Promise<void>
  /** Called by `revoke()`; optional. */
  clear?(): Promise<void>
  /**
   * A lock across the processes sharing this store (a database row, a file on a shared
   * volume); optional. The core holds it around every refresh and calls `release()` after
   * saving the new set.
   */
  lock?(): Promise<{ release(): Promise<void> | void } | null>
}

/** The in-process store (the default). */
export declare class MemoryTokenStore implements TokenStore {
  constructor()
  load(): Promise<TokenRecord | null>
  save(tokens: TokenRecord): Promise<void>
  clear(): Promise<void>
}

/**
 * Redis (`redis://[user:password@]host:port[/db]`, `rediss://`): the token set and a lease lock
 * shared by processes and machines. Use one prefix per token set (`RedisTokenStore.keyPrefix`).
 */
export declare class RedisTokenStore extends MemoryTokenStore {
  constructor(url: string, prefix: string)
  readonly prefix: string
  static keyPrefix(environment: string, clientId: string, user: string): string
}

/** A JSON file (mode 0600, atomic durable writes, an OS lock across processes). */
export declare class FileTokenStore extends MemoryTokenStore {
  constructor(path: string)
  readonly path: string
}

// ---------------------------------------------------------------------------------------------
// Options

export type EnvironmentName = 'production' | 'sandbox' | 'monthly_sandbox' | 'federal'

/** Where to connect: give one of `environment`, `baseUrl`, or `apiBase` with `loginBase`. */
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

/** The options of a client: the same names in every language (README, "Options"). */
export interface ClientOptions extends EnvironmentOptions {
  /** A fixed access token (never refreshed). */
  accessToken?: string
  /** The app's OAuth client id (with `clientSecret`). */
  clientId?: string
  clientSecret?: string
  /** A user's refresh token (a set already in `tokenStore` wins: it is newer). */
  refreshToken?: string
  /** A user's full token set (e.g. from `OAuthClient.exchangeCode`). */
  tokens?: TokenRecord
  /** The tokens live only in `tokenStore` (implied when a store is given with app credentials only). */
  stored?: boolean
  tokenStore?: TokenStore
  /** Sent as `Procore-Company-Id` when a call does not name a company. */
  companyId?: number
  /** API version of relative paths (default `v1.0`). */
  apiVersion?: string
  /** Your application's name, put before the SDK's in `User-Agent`. */
  userAgent?: string
  connectTimeoutMs?: number
  /** Per-attempt timeout (default 60 s). */
  requestTimeoutMs?: number
  /** Refresh this long before expiry (default 5 minutes). */
  refreshSkewMs?: number
  /** Attempts in all per call (default 4; 1 disables retries). */
  maxAttempts?: number
  retryBaseDelayMs?: number
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

export type QueryScalar = string | number | boolean | null | undefined
export type QueryValue = QueryScalar | readonly QueryScalar[] | { [key: string]: QueryValue }
/**
 * Query parameters (the core's one rule): arrays are sent Rails-style as `key[]=a&key[]=b`,
 * nested objects as `key[sub]=v` (`filters: { status_id: [1, 2] }`), `null` is skipped; pairs
 * keep their keys as given.
 */
export type Query =
  | { [key: string]: QueryValue }
  | URLSearchParams
  | ReadonlyArray<readonly [string, QueryValue]>

export interface RequestOptions {
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

export interface RequestWithBodyOptions extends RequestOptions {
  /** A JSON body (serialized with `JSON.stringify`). */
  body?: unknown
}

export interface PaginateOptions extends Omit<RequestOptions, 'raw'> {
  /** Items per page asked from the server (v1 max 1000). */
  perPage?: number
  /** Stop after this many items. */
  maxItems?: number
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | Lowercase<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS'>

// ---------------------------------------------------------------------------------------------
// Responses and pages

/** The rate-limit window an answer reported. */
export interface RateLimit {
  limit: number
  remaining: number
  reset: Date
}

export declare class Response {
  readonly status: number
  /** True for 2xx. */
  readonly ok: boolean
  /** Lower-case header names; repeated headers joined with `", "`. */
  readonly headers: Readonly<Record<string, string>>
  readonly rateLimit: RateLimit | null
  readonly requestId: string | null
  /** Attempts the core made for this call (1 when nothing was retried). */
  readonly attempts: number
  /** Time spent waiting for the rate budget and in backoff. */
  readonly waitedMs: number
  /** One header (case-insensitive), or null. */
  header(name: string): string | null
  /** The raw body (exact: large numbers are not rounded). */
  text(): string
  /** The body as `JSON.parse` gives it (`null` when empty); throws `DecodeError` if not JSON. */
  json<T = any>(): T
}

export interface Page<T = any> {
  items: T[]
  /** 1-based page number. */
  number: number
  /** `Total` header: items in the whole collection, if the server said. */
  total: number | null
  perPage: number | null
  hasNext: boolean
  rateLimit: RateLimit | null
  requestId: string | null
}

/** A collection walk: `for await (const item of paginator)`; each walk starts from page 1. */
export declare class Paginator<T = any> implements AsyncIterable<T> {
  private constructor()
  pages(): AsyncGenerator<Page<T>, void, undefined>
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined>
  toArray(): Promise<T[]>
}

// ---------------------------------------------------------------------------------------------
// Authorization code

export declare const OOB_REDIRECT_URI: 'urn:ietf:wg:oauth:2.0:oob'

/** A pending login: send the user to `url`; keep the rest (the verifier is a secret) for the exchange. */
export interface AuthorizationRequest {
  url: string
  state: string
  redirectUri: string
  pkceVerifier: string | null
}

export interface OAuthClientOptions extends EnvironmentOptions {
  /** The app's OAuth client id. */
  clientId: string
  clientSecret: string
}

export declare class OAuthClient {
  constructor(options: OAuthClientOptions)
  /** A fresh state and (by default) a PKCE S256 challenge. */
  authorizeUrl(redirectUri?: string, options?: { pkce?: boolean }): AuthorizationRequest
  /** Checks the returned state (`StateMismatchError`), then exchanges the single-use code. */
  exchangeCode(request: AuthorizationRequest, code: string, returnedState: string): Promise<TokenRecord>
}

// ---------------------------------------------------------------------------------------------
// Client

export declare class Client {
  /** A client from its options; the static factories below are shorthands for it. */
  constructor(options: ClientOptions)
  /** A fixed access token (never refreshed). */
  static fromAccessToken(accessToken: string, options?: ClientOptions): Client
  /** A service account: the client-credentials grant, fetched again at expiry. */
  static fromClientCredentials(clientId: string, clientSecret: string, options?: ClientOptions): Client
  /** A user's refresh token (a set already in `tokenStore` wins: it is newer). */
  static fromRefreshToken(clientId: string, clientSecret: string, refreshToken: string, options?: ClientOptions): Client
  /** A user's full token set (e.g. from `OAuthClient.exchangeCode`). */
  static fromTokens(clientId: string, clientSecret: string, tokens: TokenRecord, options?: ClientOptions): Client
  /** Tokens that live only in `options.tokenStore`. */
  static fromStoredTokens(clientId: string, clientSecret: string, options?: ClientOptions): Client
  /** Finishes an authorization-code login and returns a client holding the new tokens. */
  static fromAuthorizationCode(
    clientId: string,
    clientSecret: string,
    request: AuthorizationRequest,
    code: string,
    returnedState: string,
    options?: ClientOptions,
  ): Promise<Client>

  readonly companyId: number | null
  readonly closed: boolean

  request(method: HttpMethod, path: string, options?: RequestWithBodyOptions): Promise<Response>
  get(path: string, options?: RequestOptions): Promise<Response>
  delete(path: string, options?: RequestOptions): Promise<Response>
  post(path: string, body?: unknown, options?: RequestOptions): Promise<Response>
  put(path: string, body?: unknown, options?: RequestOptions): Promise<Response>
  patch(path: string, body?: unknown, options?: RequestOptions): Promise<Response>
  /**
   * A catalog operation by id, checked first: an `InvalidCallError` names what is missing
   * (a path parameter, a required query parameter or body field) and nothing is sent.
   */
  call(operation: string, options?: CallOperationOptions): Promise<Response>
  /** Walks a v1 (array) or v2 (`{data}`) collection page by page. */
  paginate<T = any>(path: string, options?: PaginateOptions): Paginator<T>

  /** The current token set, if the client holds one. Handle with care: it holds secrets. */
  tokens(): TokenRecord | null
  /** `/oauth/token/info` for the current access token. */
  tokenInfo(): Promise<{ [key: string]: JsonValue }>
  /** Revokes the tokens at the server and clears the store (logout). */
  revoke(): Promise<void>
  /** Any number of updates for a `.../sync` endpoint, in batches of at most 1000, merged. */
  sync(path: string, updates: object[], options?: SyncOptions): Promise<SyncResult>
  /** A direct upload of bytes or a file (v2.1 unless `flow` says otherwise). */
  upload(source: Uint8Array | string, options?: UploadOptions): Promise<UploadResult>
  createHook(options: HookOptions & { destinationUrl: string }): Promise<{ [key: string]: JsonValue }>
  updateHook(hookId: number, options: HookOptions): Promise<{ [key: string]: JsonValue }>
  listHooks(options?: HookScope): Promise<{ [key: string]: JsonValue }[]>
  deleteHook(hookId: number, options?: HookScope): Promise<void>
  createTrigger(hookId: number, resourceName: string, eventType: 'create' | 'update' | 'delete', options?: HookScope): Promise<{ [key: string]: JsonValue }>
  listTriggers(hookId: number, options?: HookScope): Promise<{ [key: string]: JsonValue }[]>
  deleteTrigger(hookId: number, triggerId: number, options?: HookScope): Promise<void>
  listDeliveries(hookId: number, status?: 'any' | 'successful' | 'failing' | 'discarded' | null, options?: HookScope): Promise<{ [key: string]: JsonValue }[]>
  /** Refuses further calls and releases the custom store's callbacks. Idempotent. */
  close(): void
}

// ---------------------------------------------------------------------------------------------
// Workflows: sync batches, uploads, webhooks

export interface SyncOptions extends RequestOptions {
  /** `PATCH` unless given. */
  method?: HttpMethod
  /** Updates per call, 1 to 1000 (default 1000). */
  batchSize?: number
  /** Fields sent beside `updates` (e.g. `{ company_id: 5 }`). */
  body?: object
}
export interface SyncResult {
  entities: { [key: string]: JsonValue }[]
  /** `index` is the input position of the refused update, when the error names it. */
  errors: { index: number | null; error: { [key: string]: JsonValue } }[]
  batches: number
}
export interface UploadProgress {
  sent: number
  total: number
  segmentsDone: number
  segments: number
}
export interface UploadOptions {
  /** Required for bytes; the file's name otherwise. */
  fileName?: string
  contentType?: string
  flow?: 'v2.1' | 'v1.1' | 'v1.1-segmented'
  segmentSize?: number
  parallelism?: number
  retries?: number
  /** How long to wait for `available` (v2.1); 0: do not wait. */
  waitMs?: number
  companyId?: number
  projectId?: number
  progress?: (p: UploadProgress) => void
}
export interface UploadResult {
  /** What a resource is attached with. */
  id: string
  status: string
  flow: string
  fileName: string
  contentType: string
  size: number
  sha256: string
  segments: number
}
export interface HookScope {
  companyId?: number
  projectId?: number
}
export interface HookOptions extends HookScope {
  destinationUrl?: string
  destinationHeaders?: { [name: string]: string }
  apiVersion?: string
  namespace?: string
}
export interface WebhookReceiverOptions {
  /** Keys remembered in memory (default 10000). */
  remember?: number
  /** Remember keys in this Redis instead, shared by every receiver process. */
  redisUrl?: string
  redisPrefix?: string
  ttlMs?: number
}
export interface Delivery {
  verdict: 'accepted' | 'duplicate' | 'rejected'
  /** The status to answer Procore with (200, or 401 for a forgery). */
  status: number
  key: string | null
  event: { [key: string]: JsonValue } | null
}
export declare class WebhookReceiver {
  constructor(headers: { [name: string]: string }, options?: WebhookReceiverOptions)
  receive(headers: { [name: string]: string | string[] | undefined } | string[], body: Uint8Array | string): Promise<Delivery>
}

// ---------------------------------------------------------------------------------------------
// The operation catalog

/** `client.call`'s options: the path parameters, the JSON body and any request option. */
export interface CallOperationOptions extends RequestOptions {
  path?: { [name: string]: string | number }
  body?: unknown
}

/** A value's JSON shape, as far as Procore's description says. */
export interface CatalogSchema {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object'
  enum?: JsonValue[]
  properties?: { [name: string]: CatalogSchema }
  required?: string[]
  items?: CatalogSchema
}

/** One operation of the API. */
export interface CatalogOperation {
  id: string
  method: HttpMethod
  path: string
  version: string
  tag: string
  summary: string
  params: { name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: CatalogSchema }[]
  body: { content_type: string; required: boolean; schema: CatalogSchema } | null
}

/** Every operation of Procore's REST API description. */
export declare const catalog: {
  /** The operations whose id, path, summary or tag contain every word, best first. */
  search(words: string, limit?: number): CatalogOperation[]
  /** The operation with this id, or null. */
  operation(id: string): CatalogOperation | null
}
