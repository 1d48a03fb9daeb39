'use strict'
// Every error code, each raised by a real simulator answer (or a real local condition), mapped
// to its ProcoreError subclass with code, status, requestId and body.
const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const procore = require('..')
const { Client, OAuthClient, FileTokenStore, ProcoreError, ERROR_CODES } = procore
const { startSimulator, CLIENT_ID, CLIENT_SECRET, DEV_TOKEN, BIG_BUILD } = require('./helpers')

let sim
before(async () => {
  sim = await startSimulator()
})
after(async () => {
  await sim.stop()
})
beforeEach(async () => {
  await sim.reset()
})

const seen = new Set()

/** Asserts `promise` rejects with the class of `code`; returns the error. */
async function expectCode(promise, code, Cls) {
  let err
  try {
    await promise
  } catch (e) {
    err = e
  }
  assert.ok(err, `expected a ${code} error`)
  assert.ok(err instanceof Error, 'a real Error')
  assert.ok(err instanceof ProcoreError, `a ProcoreError, got ${err && err.stack}`)
  assert.ok(err instanceof Cls, `${Cls.name} expected, got ${err.name}: ${err.message}`)
  assert.equal(err.code, code)
  assert.equal(err.name, Cls.name)
  assert.ok(err.message.length > 0)
  for (const secret of [CLIENT_SECRET, DEV_TOKEN]) assert.ok(!err.message.includes(secret), 'no secret in the message')
  assert.ok(!JSON.stringify(err).includes(CLIENT_SECRET))
  seen.add(code)
  return err
}

const dev = (extra) => Client.fromAccessToken(DEV_TOKEN, sim.options({ companyId: BIG_BUILD, ...extra }))

test('unauthorized: a fixed token the server refuses', async () => {
  const e = await expectCode(Client.fromAccessToken('not-a-token', sim.options()).get('me'), 'unauthorized', procore.UnauthorizedError)
  assert.equal(e.status, 401)
  assert.match(e.requestId, /^sim-/)
  assert.deepEqual(e.body, { message: '401 Unauthorized' })
})

test('reauthorization_required: a refresh token that was already used', async () => {
  const issued = await sim.issueTokens()
  const first = Client.fromRefreshToken(CLIENT_ID, CLIENT_SECRET, issued.refresh_token, sim.options())
  await first.get('me')
  const second = Client.fromRefreshToken(CLIENT_ID, CLIENT_SECRET, issued.refresh_token, sim.options())
  await expectCode(second.get('me'), 'reauthorization_required', procore.ReauthorizationRequiredError)
  assert.equal((await sim.counters()).token_calls.refresh_token, 2)
})

test('forbidden: a 403 that is not a disconnected app', async () => {
  await sim.fault({ kind: 'status', status: 403, body: '{"message":"You do not have access"}' })
  const e = await expectCode(dev().get('me'), 'forbidden', procore.ForbiddenError)
  assert.equal(e.status, 403)
  assert.deepEqual(e.body, { message: 'You do not have access' })
})

test('app_not_connected: company 666', async () => {
  const e = await expectCode(dev().get('projects', { companyId: 666, query: { company_id: 666 } }), 'app_not_connected', procore.AppNotConnectedError)
  assert.equal(e.status, 403)
  assert.equal(e.body.errors, 'App is not connected to this company')
})

test('not_found: an unknown project', async () => {
  const e = await expectCode(dev().get('projects/42'), 'not_found', procore.NotFoundError)
  assert.equal(e.status, 404)
})

test('validation: an RFI without a subject, with the field errors', async () => {
  const e = await expectCode(dev().post('projects/100001/rfis', { rfi: { subject: '' } }), 'validation', procore.ValidationError)
  assert.equal(e.status, 422)
  assert.deepEqual(e.errors, { subject: ["can't be blank"] })
  assert.deepEqual(e.body, { errors: { subject: ["can't be blank"] } })
})

test('bad_request: no Procore-Company-Id', async () => {
  const e = await expectCode(dev().get('projects/100001', { withoutCompany: true }), 'bad_request', procore.BadRequestError)
  assert.equal(e.status, 400)
  assert.match(e.body.message, /Procore-Company-Id/)
})

test('rate_limited: a 429 storm with retries off carries the retry time', async () => {
  await sim.fault({ kind: 'rate_limit_storm', seconds: 5 })
  const e = await expectCode(dev().get('me', { maxAttempts: 1 }), 'rate_limited', procore.RateLimitedError)
  assert.equal(e.status, 429)
  assert.ok(e.retryAt instanceof Date)
  assert.ok(e.retryAt.getTime() > Date.now() + 2000, `retryAt ${e.retryAt.toISOString()}`)
  await sim.clearFaults()
})

test('server: 503s that outlast the retries', async () => {
  await sim.fault({ kind: 'status', status: 503, count: 10 })
  const e = await expectCode(dev().get('me', { maxAttempts: 2 }), 'server', procore.ServerError)
  assert.equal(e.status, 503)
  assert.equal((await sim.counters()).responses_by_status['503'], 2, 'retried once, then gave up')
  await sim.clearFaults()
})

test('http: another status keeps its number', async () => {
  await sim.fault({ kind: 'status', status: 409 })
  const e = await expectCode(dev().get('me'), 'http', procore.HttpError)
  assert.equal(e.status, 409)
})

test('timeout: a slow answer past the per-call timeout', async () => {
  await sim.fault({ kind: 'latency', ms: 1500 })
  const e = await expectCode(dev().get('me', { timeoutMs: 100, maxAttempts: 1 }), 'timeout', procore.TimeoutError)
  assert.equal(e.status, null)
})

test('network: a dropped connection on a POST (not retried)', async () => {
  await sim.fault({ kind: 'drop' })
  await expectCode(dev().post('projects/100001/rfis', { rfi: { subject: 'maybe' } }), 'network', procore.NetworkError)
  assert.equal((await sim.counters()).dropped_connections, 1)
})

test('config: bad arguments, and calls on a closed client', async () => {
  await expectCode(Promise.resolve().then(() => Client.fromAccessToken('x', { environment: 'mars' })), 'config', procore.ConfigError)
  await expectCode(dev().get('me', { timeoutMs: -1 }), 'config', procore.ConfigError)
  await expectCode(dev().request('BREW', 'me'), 'config', procore.ConfigError)
  const c = dev()
  c.close()
  assert.equal(c.closed, true)
  await expectCode(c.get('me'), 'config', procore.ConfigError)
})

test('decode: a truncated JSON page (core) and a non-JSON body (Response.json)', async () => {
  await sim.fault({ kind: 'malformed' })
  const e = await expectCode(dev().paginate('projects', { query: { company_id: BIG_BUILD } }).toArray(), 'decode', procore.DecodeError)
  assert.equal(e.status, 200)
  await sim.fault({ kind: 'malformed', content_type: 'text/html', body: '<html>proxy</html>' })
  const r = await dev().get('me')
  assert.equal(r.text(), '<html>proxy</html>')
  const e2 = await expectCode(Promise.resolve().then(() => r.json()), 'decode', procore.DecodeError)
  assert.match(e2.message, /proxy/)
})

test('oauth: client credentials with a wrong secret', async () => {
  const c = Client.fromClientCredentials(CLIENT_ID, 'wrong-secret', sim.options({ companyId: 8089 }))
  const e = await expectCode(c.get('me'), 'oauth', procore.OAuthError)
  assert.equal(e.status, 401)
  assert.equal(e.oauthError, 'invalid_client')
  assert.ok(!e.message.includes('wrong-secret'))
})

test('store: a corrupt token file, and a custom store that fails', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'procore-node-'))
  try {
    const file = path.join(dir, 'tokens.json')
    fs.writeFileSync(file, '{"access_token": "SECRET-abc')
    const c = Client.fromStoredTokens(CLIENT_ID, CLIENT_SECRET, sim.options({ tokenStore: new FileTokenStore(file) }))
    const e = await expectCode(c.get('me'), 'store', procore.StoreError)
    assert.match(e.message, /corrupt/)
    assert.ok(!e.message.includes('SECRET'))
    assert.equal(fs.readFileSync(file, 'utf8'), '{"access_token": "SECRET-abc', 'left untouched')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  const failing = {
    async load() {
      throw new Error('vault is sealed')
    },
    async save() {},
  }
  const c2 = Client.fromStoredTokens(CLIENT_ID, CLIENT_SECRET, sim.options({ tokenStore: failing }))
  const e2 = await expectCode(c2.get('me'), 'store', procore.StoreError)
  assert.match(e2.message, /vault is sealed/)
})

test('state_mismatch: a redirect that brings back another state', async () => {
  const oauth = new OAuthClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl: sim.url })
  const req = oauth.authorizeUrl('http://127.0.0.1:9/cb')
  await expectCode(oauth.exchangeCode(req, 'some-code', 'forged-state'), 'state_mismatch', procore.StateMismatchError)
  assert.equal((await sim.counters()).token_calls.total, 0, 'the code was not sent')
})

test('a catalog call missing what it needs is invalid_call, sent nowhere', async () => {
  const c = new procore.Client(sim.options({ accessToken: DEV_TOKEN }))
  await expectCode(c.call('RestV10ProjectsProjectIdRfisPost', { body: {} }), 'invalid_call', procore.InvalidCallError)
})

test('upload: a part the object store keeps refusing', async () => {
  await sim.fault({ kind: 'corrupt', count: null })
  try {
    const c = new procore.Client(sim.options({ accessToken: DEV_TOKEN, companyId: 31337 }))
    const e = await expectCode(c.upload(Buffer.alloc(1000, 7), { fileName: 'a.bin', retries: 0 }), 'upload', procore.UploadError)
    assert.deepEqual([e.segment, e.segments, e.attempts, e.status], [1, 1, 1, 400])
  } finally {
    await sim.clearFaults()
  }
})

test('every core error code was raised above and has its class', () => {
  assert.deepEqual([...seen].sort(), [...ERROR_CODES].sort())
  for (const code of ERROR_CODES) {
    const name = code.replace(/(^|_)([a-z])/g, (_, __, c) => c.toUpperCase()).replace(/^Oauth/, 'OAuth') + 'Error'
    assert.equal(typeof procore[name], 'function', name)
    assert.ok(procore[name].prototype instanceof ProcoreError)
  }
})
