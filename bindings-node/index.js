'use strict'
// The public API of the npm package: a small layer over the native addon (src/*.rs).
//
// This package only converts: options go to the core as JSON text (src/options.rs reads them),
// error payloads become ProcoreError subclasses (lib/errors.js), JSON text becomes plain objects
// (JSON.parse), and the native page cursor becomes an async iterator (lib/response.js).
// Retries, token refresh, rate-limit pacing, pagination rules and every option check live in
// the Rust core.

const { native } = require('./lib/native')
const errors = require('./lib/errors')
const { sync, settle, configError } = errors
const { encodeOptions, encodeBody, parseTokens } = require('./lib/convert')
const { MemoryTokenStore, FileTokenStore, RedisTokenStore, nativeStore } = require('./lib/stores')
const { Response, Paginator } = require('./lib/response')

// ---------------------------------------------------------------------------------------------
// Client

class Client {
  #native
  /**
   * A client from its options (the same names as every other binding, camelCase, durations
   * in milliseconds): credentials (`accessToken`, or `clientId` + `clientSecret` with
   * `refreshToken`, `tokens`, `stored` or nothing for a service account), `tokenStore`,
   * where to connect (`environment`, `baseUrl`, `apiBase` + `loginBase`) and behaviour.
   */
  constructor(options = {}) {
    if (options === null || typeof options !== 'object') throw configError('Client options must be an object')
    const { tokenStore, ...rest } = options
    const store = nativeStore(tokenStore)
    this.#native = sync(() => native.NativeClient.create(encodeOptions(rest, 'Client options'), store))
  }

  static fromAccessToken(accessToken, options) {
    return new Client({ ...options, accessToken })
  }
  static fromClientCredentials(clientId, clientSecret, options) {
    return new Client({ ...options, clientId, clientSecret })
  }
  static fromRefreshToken(clientId, clientSecret, refreshToken, options) {
    return new Client({ ...options, clientId, clientSecret, refreshToken })
  }
  static fromTokens(clientId, clientSecret, tokens, options) {
    if (tokens == null || typeof tokens !== 'object') throw configError('tokens must be a token record')
    return new Client({ ...options, clientId, clientSecret, tokens })
  }
  static fromStoredTokens(clientId, clientSecret, options) {
    return new Client({ ...options, clientId, clientSecret, stored: true })
  }
  /** Finishes an authorization-code login and returns a client holding the new tokens. */
  static async fromAuthorizationCode(clientId, clientSecret, request, code, returnedState, options = {}) {
    const { environment, baseUrl, apiBase, loginBase } = options
    const oauth = new OAuthClient({ environment, baseUrl, apiBase, loginBase, clientId, clientSecret })
    const tokens = await oauth.exchangeCode(request, code, returnedState)
    return Client.fromTokens(clientId, clientSecret, tokens, options)
  }

  get companyId() {
    return this.#native.companyId
  }
  get closed() {
    return this.#native.closed
  }

  /** Any method; `options.body` is the JSON body. */
  async request(method, path, options) {
    let body
    if (options != null && typeof options === 'object' && 'body' in options) {
      const { body: b, ...rest } = options
      body = b
      options = rest
    }
    return this.#send(method, path, options, body)
  }
  async #send(method, path, options, body) {
    const o = sync(() => encodeOptions(options, 'request options'))
    const b = sync(() => encodeBody(body))
    return new Response(await settle(this.#native.request(method, path, o, b)))
  }
  get(path, options) {
    return this.#send('GET', path, options, undefined)
  }
  delete(path, options) {
    return this.#send('DELETE', path, options, undefined)
  }
  post(path, body, options) {
    return this.#send('POST', path, options, body)
  }
  put(path, body, options) {
    return this.#send('PUT', path, options, body)
  }
  patch(path, body, options) {
    return this.#send('PATCH', path, options, body)
  }

  /** A catalog operation by id (`options.path`: path parameters, `options.body`: the JSON
   * body), checked first: an InvalidCallError names what is missing, and nothing is sent. */
  async call(operation, options) {
    let body, path
    if (options != null && typeof options === 'object' && !Array.isArray(options)) {
      const { body: b, path: p, ...rest } = options
      body = b
      path = p
      options = rest
    }
    const p = sync(() => encodeOptions(path, 'path parameters'))
    const o = sync(() => encodeOptions(options, 'call options'))
    const b = sync(() => encodeBody(body))
    return new Response(await settle(this.#native.call(operation, p, o, b)))
  }

  /** Walks a collection: `for await (const item of client.paginate(...))`, or `.pages()`. */
  paginate(path, options) {
    return new Paginator(this.#native, path, options)
  }

  /** The current token set (store record), if the client holds one. */
  tokens() {
    return parseTokens(this.#native.currentTokens())
  }
  async tokenInfo() {
    return JSON.parse(await settle(this.#native.tokenInfo()))
  }
  async revoke() {
    await settle(this.#native.revoke())
  }
  /** Refuses further calls and releases the custom store's callbacks. Idempotent. */
  close() {
    this.#native.close()
  }
}

// ---------------------------------------------------------------------------------------------
// Authorization code

const OOB_REDIRECT_URI = 'urn:ietf:wg:oauth:2.0:oob'

class OAuthClient {
  #native
  constructor(options) {
    if (!options || typeof options !== 'object') throw configError('OAuthClient needs { clientId, clientSecret }')
    const { clientId, clientSecret, ...place } = options
    if (typeof clientId !== 'string' || typeof clientSecret !== 'string') {
      throw configError('OAuthClient needs clientId and clientSecret strings')
    }
    this.#native = sync(() => new native.NativeOAuthClient(clientId, clientSecret, encodeOptions(place, 'OAuthClient options')))
  }
  authorizeUrl(redirectUri = OOB_REDIRECT_URI, options = {}) {
    const r = sync(() => this.#native.authorizeUrl(redirectUri, options.pkce ?? true))
    return { url: r.url, state: r.state, redirectUri: r.redirectUri, pkceVerifier: r.pkceVerifier ?? null }
  }
  async exchangeCode(request, code, returnedState) {
    const req = {
      url: request.url,
      state: request.state,
      redirectUri: request.redirectUri,
      pkceVerifier: request.pkceVerifier ?? undefined,
    }
    return JSON.parse(await settle(this.#native.exchangeCode(req, code, returnedState)))
  }
}

// The error classes, the code list and isProcoreError; not the internal helpers.
const { ERROR_CLASSES, convertError, sync: _sync, settle: _settle, configError: _configError, ...errorExports } = errors

module.exports = {
  catalog: require('./lib/catalog'),
  Client,
  Response,
  Paginator,
  OAuthClient,
  OOB_REDIRECT_URI,
  MemoryTokenStore,
  FileTokenStore,
  RedisTokenStore,
  ...errorExports,
}
