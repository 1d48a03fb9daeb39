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
  /** Any number of updates for a `.../sync` endpoint, in batches of at most 1000, merged:
   * `{entities, errors: [{index, error}], batches}`. `options.body` holds the fields sent beside
   * `updates` (e.g. `{company_id}`). */
  async sync(path, updates, options) {
    if (!Array.isArray(updates)) throw configError('updates must be an array of objects')
    let body
    if (options != null && typeof options === 'object' && 'body' in options) {
      const { body: b, ...rest } = options
      body = b
      options = rest
    }
    const u = sync(() => encodeBody(updates))
    const o = sync(() => encodeOptions(options, 'sync options'))
    const b = sync(() => encodeBody(body))
    return JSON.parse(await settle(this.#native.sync(path, u, o, b)))
  }

  /** A direct upload of `source` (a Buffer / Uint8Array, or a file path): v2.1 unless
   * `options.flow` is `'v1.1'` or `'v1.1-segmented'`; `options.progress` sees
   * `{sent, total, segmentsDone, segments}` after each stored segment. */
  async upload(source, options = {}) {
    if (options === null || typeof options !== 'object') throw configError('upload options must be an object')
    const { progress, ...rest } = options
    if (progress !== undefined && typeof progress !== 'function') throw configError('progress must be a function')
    let data = null
    let path = null
    if (typeof source === 'string') path = source
    else if (source instanceof Uint8Array) data = Buffer.isBuffer(source) ? source : Buffer.from(source.buffer, source.byteOffset, source.byteLength)
    else throw configError('upload source must be a Buffer, a Uint8Array or a file path')
    const o = sync(() => encodeOptions(rest, 'upload options'))
    const cb = progress && ((json) => {
      const p = JSON.parse(json)
      progress({ sent: p.sent, total: p.total, segmentsDone: p.segments_done, segments: p.segments })
    })
    const out = JSON.parse(await settle(this.#native.upload(data, path, o, cb)))
    return { id: out.id, status: out.status, flow: out.flow, fileName: out.file_name,
      contentType: out.content_type, size: out.size, sha256: out.sha256, segments: out.segments }
  }

  async #webhooks(action, hookId, options) {
    const o = sync(() => encodeOptions(options, 'webhook options'))
    return JSON.parse(await settle(this.#native.webhooks(action, hookId ?? null, o)))
  }
  /** A hook of a company or project: `{destinationUrl, destinationHeaders, apiVersion,
   * namespace, companyId | projectId}`. */
  createHook(options) {
    return this.#webhooks('create_hook', null, options)
  }
  updateHook(hookId, options) {
    return this.#webhooks('update_hook', hookId, options)
  }
  listHooks(options) {
    return this.#webhooks('list_hooks', null, options)
  }
  async deleteHook(hookId, options) {
    await this.#webhooks('delete_hook', hookId, options)
  }
  /** Deliver `eventType` (create, update, delete) of `resourceName` (RFIs, ...) to the hook. */
  createTrigger(hookId, resourceName, eventType, options) {
    return this.#webhooks('create_trigger', hookId, { ...options, resourceName, eventType })
  }
  listTriggers(hookId, options) {
    return this.#webhooks('list_triggers', hookId, options)
  }
  async deleteTrigger(hookId, triggerId, options) {
    await this.#webhooks('delete_trigger', hookId, { ...options, triggerId })
  }
  /** A hook's deliveries, all or by `status` (successful, failing, discarded). */
  listDeliveries(hookId, status, options) {
    return this.#webhooks('list_deliveries', hookId, status == null ? options : { ...options, status })
  }
  /** Refuses further calls and releases the custom store's callbacks. Idempotent. */
  close() {
    this.#native.close()
  }
}

// ---------------------------------------------------------------------------------------------
// Webhooks, the receiving side

class WebhookReceiver {
  #native
  /** Checks the destination `headers` of every delivery (constant time), reads the payload and
   * knows repeats: in memory (`remember` keys) or in Redis (`redisUrl`, `redisPrefix`, `ttlMs`). */
  constructor(headers, options = {}) {
    if (headers === null || typeof headers !== 'object') throw configError('headers must be an object of name: value')
    const o = sync(() => encodeOptions({ ...options, headers }, 'WebhookReceiver options'))
    this.#native = sync(() => native.NativeWebhookReceiver.create(o))
  }
  /** Judges one delivery: `headers` as Node gives them (`req.headers`, or `req.rawHeaders`), the
   * raw body. Answer Procore with `status`; process `event` only when `verdict` is `'accepted'`. */
  async receive(headers, body) {
    const pairs = []
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) pairs.push([String(headers[i]), String(headers[i + 1])])
    } else if (headers && typeof headers === 'object') {
      for (const [k, v] of Object.entries(headers)) {
        for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) pairs.push([k, String(one)])
      }
    } else throw configError('headers must be an object or a raw header list')
    const b = typeof body === 'string' ? Buffer.from(body) : body
    if (!(b instanceof Uint8Array)) throw configError('body must be a Buffer or a string')
    return JSON.parse(await settle(this.#native.receive(JSON.stringify(pairs), Buffer.isBuffer(b) ? b : Buffer.from(b))))
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
  WebhookReceiver,
  ...errorExports,
}
