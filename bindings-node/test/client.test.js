'use strict'
// Factories, environments, every request method, responses and pagination, on the simulator.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const procore = require('..')
const { Client, OAuthClient, FileTokenStore, MemoryTokenStore, ConfigError, NotFoundError } = procore
const { startSimulator, CLIENT_ID, CLIENT_SECRET, DEV_TOKEN, BIG_BUILD } = require('./helpers')

let sim
before(async () => {
  sim = await startSimulator()
})
after(async () => {
  await sim.stop()
})

const USER_ID = 5000000001
const SERVICE_ID = 5000000002

test('fromAccessToken: the dev token reaches /me', async () => {
  const c = Client.fromAccessToken(DEV_TOKEN, sim.options())
  const r = await c.get('/rest/v1.0/me')
  assert.equal(r.status, 200)
  assert.equal(r.ok, true)
  assert.deepEqual(r.json(), { id: USER_ID, login: 'dev@example.com', name: 'Dev Eloper' })
  assert.match(r.requestId, /^sim-/)
  assert.equal(r.header('Content-Type'), 'application/json; charset=utf-8')
  assert.equal(r.headers['x-request-id'], r.requestId)
  assert.equal(r.attempts, 1)
  assert.equal(c.tokens().access_token, DEV_TOKEN)
})

test('fromClientCredentials: a service-account token is fetched once', async () => {
  await sim.reset()
  const c = Client.fromClientCredentials(CLIENT_ID, CLIENT_SECRET, sim.options({ companyId: 8089 }))
  for (let i = 0; i < 3; i++) {
    const me = (await c.get('me')).json()
    assert.equal(me.id, SERVICE_ID)
  }
  const counters = await sim.counters()
  assert.equal(counters.token_calls.client_credentials, 1)
  assert.equal(counters.token_calls.total, 1)
})

test('fromRefreshToken: starts with one refresh and keeps the rotated set', async () => {
  await sim.reset()
  const issued = await sim.issueTokens()
  const c = Client.fromRefreshToken(CLIENT_ID, CLIENT_SECRET, issued.refresh_token, sim.options())
  assert.equal((await c.get('me')).json().id, USER_ID)
  assert.equal((await c.get('me')).json().id, USER_ID)
  assert.equal((await sim.counters()).token_calls.refresh_token, 1)
  const t = c.tokens()
  assert.ok(t.access_token && t.refresh_token)
  assert.notEqual(t.refresh_token, issued.refresh_token, 'refresh tokens rotate')
  assert.equal(t.version, 1)
})

test('fromTokens: a valid set is used as is (no token call)', async () => {
  await sim.reset()
  const issued = await sim.issueTokens()
  const tokens = {
    access_token: issued.access_token,
    refresh_token: issued.refresh_token,
    expires_at: Math.floor(Date.now() / 1000) + 3600,
  }
  const c = Client.fromTokens(CLIENT_ID, CLIENT_SECRET, tokens, sim.options())
  assert.equal((await c.get('me')).json().id, USER_ID)
  assert.equal((await sim.counters()).token_calls.total, 0)
  assert.equal(c.tokens().access_token, issued.access_token)
})

test('fromStoredTokens: tokens that live only in a file store', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'procore-node-'))
  try {
    const store = new FileTokenStore(path.join(dir, 'tokens.json'))
    assert.equal(await store.load(), null)
    const issued = await sim.issueTokens()
    await store.save({ access_token: issued.access_token, refresh_token: issued.refresh_token, version: 3 })
    const c = Client.fromStoredTokens(CLIENT_ID, CLIENT_SECRET, sim.options({ tokenStore: store }))
    assert.equal((await c.get('me')).json().id, USER_ID)
    assert.equal(c.tokens().version, 3)
    assert.equal((fs.statSync(store.path).mode & 0o777).toString(8), '600')
    // An empty store is an error the caller can act on.
    const empty = Client.fromStoredTokens(CLIENT_ID, CLIENT_SECRET, sim.options({ tokenStore: new MemoryTokenStore() }))
    await assert.rejects(empty.get('me'), (e) => e instanceof procore.ProcoreError && e.code === 'reauthorization_required')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

/** Follows /oauth/authorize like a browser that auto-approves: {code, state} of the redirect. */
async function approve(url) {
  const res = await fetch(url, { redirect: 'manual' })
  assert.equal(res.status, 302)
  const location = new URL(res.headers.get('location'))
  return { code: location.searchParams.get('code'), state: location.searchParams.get('state') }
}

test('authorization code: authorizeUrl (PKCE) + fromAuthorizationCode', async () => {
  await sim.reset()
  const oauth = new OAuthClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl: sim.url })
  const req = oauth.authorizeUrl('http://127.0.0.1:9/callback', { pkce: true })
  const url = new URL(req.url)
  assert.equal(url.pathname, '/oauth/authorize')
  assert.equal(url.searchParams.get('client_id'), CLIENT_ID)
  assert.equal(url.searchParams.get('state'), req.state)
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
  assert.ok(req.pkceVerifier && req.pkceVerifier.length >= 43)
  const { code, state } = await approve(req.url)
  assert.equal(state, req.state)
  const c = await Client.fromAuthorizationCode(CLIENT_ID, CLIENT_SECRET, req, code, state, sim.options())
  assert.equal((await c.get('me')).json().id, USER_ID)
  const counters = await sim.counters()
  assert.equal(counters.token_calls.authorization_code, 1)
  assert.ok(c.tokens().refresh_token)
  const info = await c.tokenInfo()
  assert.equal(info.resource_owner_id, USER_ID)
  // Without PKCE, exchangeCode returns the token record for any store.
  const plain = oauth.authorizeUrl('http://localhost:9/cb', { pkce: false })
  assert.equal(plain.pkceVerifier, null)
  const back = await approve(plain.url)
  const tokens = await oauth.exchangeCode(plain, back.code, back.state)
  assert.ok(tokens.access_token && tokens.refresh_token && tokens.expires_at > Date.now() / 1000)
})

test('environments: by name, custom URLs, and bad names', async () => {
  for (const name of ['production', 'sandbox', 'monthly_sandbox', 'federal']) {
    assert.ok(Client.fromAccessToken('x', { environment: name }))
  }
  assert.throws(() => Client.fromAccessToken('x', { environment: 'mars' }), ConfigError)
  assert.throws(() => Client.fromAccessToken('x', { baseUrl: 'ftp://nope' }), (e) => e.code === 'config')
  const c = Client.fromAccessToken(DEV_TOKEN, {
    apiBase: sim.url,
    loginBase: sim.url,
    rateLimit: false,
  })
  assert.equal((await c.get('me')).status, 200)
  assert.throws(() => Client.fromAccessToken('', sim.options()), ConfigError)
  assert.throws(() => Client.fromAccessToken('x', sim.options({ companyId: 1.5 })), ConfigError)
})

test('default company id, per-call override, and no company header', async () => {
  const c = Client.fromAccessToken(DEV_TOKEN, sim.options({ companyId: BIG_BUILD }))
  assert.equal(c.companyId, BIG_BUILD)
  const p = (await c.get('projects/100001')).json()
  assert.equal(p.id, 100001)
  assert.equal(p.company.id, BIG_BUILD)
  await assert.rejects(c.get('projects/100001', { companyId: 8089 }), NotFoundError)
  assert.equal((await c.get('projects/3001', { companyId: 8089 })).json().id, 3001)
  await assert.rejects(c.get('projects/100001', { withoutCompany: true }), (e) => e.code === 'bad_request' && e.status === 400)
})

test('every request method: POST, GET, PATCH, PUT, DELETE on RFIs', async () => {
  const c = Client.fromAccessToken(DEV_TOKEN, sim.options({ companyId: BIG_BUILD }))
  const base = '/rest/v1.0/projects/100001/rfis'
  const created = await c.post(base, { rfi: { subject: 'Node RFI', question: { body: 'Why?' }, extra: [1, 2] } })
  assert.equal(created.status, 201)
  const rfi = created.json()
  assert.equal(typeof rfi.id, 'number')
  assert.ok(rfi.id > 2 ** 32, 'ids above 2^32 stay plain numbers')
  assert.equal(rfi.subject, 'Node RFI')
  assert.equal(rfi.status, 'draft')
  assert.deepEqual(rfi.extra, [1, 2])
  assert.equal(JSON.parse(created.text()).id, rfi.id)

  const got = await c.get(`${base}/${rfi.id}`)
  assert.equal(got.json().subject, 'Node RFI')

  const patched = await c.patch(`${base}/${rfi.id}`, { rfi: { status: 'open' } })
  assert.equal(patched.status, 200)
  assert.equal(patched.json().status, 'open')
  assert.equal(patched.json().subject, 'Node RFI')

  const put = await c.put(`${base}/${rfi.id}`, { rfi: { subject: 'Renamed' } })
  assert.equal(put.json().subject, 'Renamed')

  const del = await c.delete(`${base}/${rfi.id}`)
  assert.equal(del.status, 204)
  assert.equal(del.json(), null)
  assert.equal(del.text(), '')
  await assert.rejects(c.get(`${base}/${rfi.id}`), NotFoundError)

  const generic = await c.request('get', 'projects', { query: { company_id: 8089 } })
  assert.equal(generic.json().length, 3)
})

test('query: objects, arrays (key[]), URLSearchParams and pairs', async () => {
  const c = Client.fromAccessToken(DEV_TOKEN, sim.options({ companyId: BIG_BUILD }))
  const byArray = await c.get('projects', { query: { company_id: BIG_BUILD, 'filters[id]': [100001, 100003] } })
  assert.deepEqual(byArray.json().map((p) => p.id), [100001, 100003])
  const byParams = await c.get('projects', {
    query: new URLSearchParams([['company_id', String(BIG_BUILD)], ['filters[active]', 'false'], ['per_page', '5']]),
  })
  assert.ok(byParams.json().every((p) => p.active === false))
  assert.equal(byParams.header('per-page'), '5')
  const byPairs = await c.get('projects', { query: [['company_id', 8089], ['filters[name]', 'x-no-match']] })
  assert.deepEqual(byPairs.json(), [])
})

test('paginate: all 2,500 projects of Big Build Co, in order, as an async iterator', async () => {
  await sim.reset()
  const c = Client.fromAccessToken(DEV_TOKEN, sim.options({ companyId: BIG_BUILD }))
  const ids = []
  for await (const project of c.paginate('projects', { query: { company_id: BIG_BUILD } })) {
    ids.push(project.id)
  }
  assert.equal(ids.length, 2500)
  assert.equal(new Set(ids).size, 2500)
  assert.equal(ids[0], 100001)
  assert.equal(ids[2499], 102500)
  assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]))
  const counters = await sim.counters()
  assert.equal(counters.requests_by_route['GET /rest/v1.0/projects'], 25, 'default per_page is 100')
})

test('paginate: pages larger than one JSON chunk arrive whole and in order; a walk given up asks for at most the page after', async () => {
  await sim.reset()
  const c = Client.fromAccessToken(DEV_TOKEN, sim.options({ companyId: BIG_BUILD }))
  // per_page 1000: about 200 KB of JSON a page, handed to JS in several chunks.
  const ids = []
  for await (const project of c.paginate('projects', { query: { company_id: BIG_BUILD }, perPage: 1000 })) {
    ids.push(project.id)
  }
  assert.equal(ids.length, 2500)
  assert.ok(ids.every((id, i) => id === 100001 + i), 'every item once, in server order')
  const pages = []
  for await (const page of c.paginate('projects', { query: { company_id: BIG_BUILD }, perPage: 1000 }).pages()) {
    pages.push(page.items.map((p) => p.id))
  }
  assert.deepEqual(pages.flat(), ids)
  assert.deepEqual(pages.map((p) => p.length), [1000, 1000, 500])
  await sim.reset()
  // Given up in page 1 (of 25): page 2 may already be on its way (fetched ahead), no more.
  let seen = 0
  for await (const _ of c.paginate('projects', { query: { company_id: BIG_BUILD }, perPage: 100 })) {
    if (++seen === 50) break
  }
  const asked = (await sim.counters()).requests_by_route['GET /rest/v1.0/projects']
  assert.ok(asked >= 1 && asked <= 2, `${asked} pages asked for`)
})

test('paginate: pages(), perPage, maxItems, toArray and v2 envelopes', async () => {
  const c = Client.fromAccessToken(DEV_TOKEN, sim.options())
  const pages = []
  for await (const page of c.paginate('companies/31337/projects', { perPage: 1000, companyId: BIG_BUILD }).pages()) {
    pages.push({ n: page.number, count: page.items.length, total: page.total, hasNext: page.hasNext, perPage: page.perPage })
    assert.match(page.requestId, /^sim-/)
  }
  assert.deepEqual(pages, [
    { n: 1, count: 1000, total: 2500, hasNext: true, perPage: 1000 },
    { n: 2, count: 1000, total: 2500, hasNext: true, perPage: 1000 },
    { n: 3, count: 500, total: 2500, hasNext: false, perPage: 1000 },
  ])
  const some = await c.paginate('companies/31337/projects', { companyId: BIG_BUILD, maxItems: 150, perPage: 100 }).toArray()
  assert.equal(some.length, 150)
  const people = await c
    .paginate('/rest/v2.0/companies/31337/people', { companyId: BIG_BUILD, perPage: 100 })
    .toArray()
  assert.equal(people.length, 250)
  assert.equal(typeof people[0].id, 'string')
  assert.equal(people[0].company_id, '31337')
  // A paginator can be walked again: each walk is a new cursor.
  const p = c.paginate('projects', { query: { company_id: 8089 }, companyId: 8089 })
  assert.equal((await p.toArray()).length, 3)
  assert.equal((await p.toArray()).length, 3)
  // Breaking out of a for-await stops the walk.
  let seen = 0
  for await (const _ of c.paginate('projects', { query: { company_id: BIG_BUILD }, companyId: BIG_BUILD, perPage: 10 })) {
    if (++seen === 15) break
  }
  assert.equal(seen, 15)
})

test('large ids: numbers like JSON.parse gives, exact text via text()', async () => {
  const c = Client.fromAccessToken(DEV_TOKEN, sim.options({ companyId: 4398046511104 }))
  const r = await c.get('projects', { query: { company_id: 4398046511104 } })
  assert.deepEqual(r.json().map((p) => p.id), [4398046512001, 4398046512002])
  assert.deepEqual(r.json(), JSON.parse(r.text()))
  assert.match(r.text(), /"id":4398046512001/)
})

test('rate-limit snapshot on responses when the server sends the headers', async () => {
  const limited = await startSimulator(['--rate-limits'])
  try {
    const c = Client.fromAccessToken(DEV_TOKEN, { baseUrl: limited.url })
    const r = await c.get('me')
    assert.ok(r.rateLimit, 'snapshot present')
    assert.equal(r.rateLimit.limit, 25)
    assert.equal(r.rateLimit.remaining, 24)
    assert.ok(r.rateLimit.reset instanceof Date)
    assert.ok(r.rateLimit.reset.getTime() > Date.now() - 1000)
    assert.equal(r.headers['x-rate-limit-remaining'], '24')
  } finally {
    await limited.stop()
  }
})

test('credentials and token sets follow the core rules in every language', () => {
  assert.throws(() => new OAuthClient({ clientId: '', clientSecret: CLIENT_SECRET, environment: 'sandbox' }), (e) => {
    assert.ok(e instanceof ConfigError)
    assert.match(e.message, /client_id and client_secret/)
    return true
  })
})
