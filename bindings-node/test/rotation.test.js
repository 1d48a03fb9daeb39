'use strict'
// Token rotation through the core, seen from JavaScript: custom stores, single flight.
const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Client, FileTokenStore } = require('..')
const { startSimulator, CLIENT_ID, CLIENT_SECRET } = require('./helpers')

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

/** A store kept in a JS variable, recording every call. */
function recordingStore(initial) {
  const calls = []
  let current = initial ?? null
  return {
    calls,
    get current() {
      return current
    },
    async load() {
      calls.push(['load'])
      return current
    },
    async save(tokens) {
      calls.push(['save', tokens])
      current = tokens
    },
    async clear() {
      calls.push(['clear'])
      current = null
    },
  }
}

test('a custom JS store is called on rotation and receives the new tokens', async () => {
  const expired = await sim.expiredTokens()
  const store = recordingStore(expired)
  const c = Client.fromStoredTokens(CLIENT_ID, CLIENT_SECRET, sim.options({ tokenStore: store }))
  const me = await c.get('me')
  assert.equal(me.status, 200)
  const saves = store.calls.filter(([k]) => k === 'save')
  assert.equal(saves.length, 1, `calls: ${store.calls.map(([k]) => k)}`)
  const saved = saves[0][1]
  assert.equal(typeof saved.access_token, 'string')
  assert.notEqual(saved.access_token, expired.access_token)
  assert.notEqual(saved.refresh_token, expired.refresh_token)
  assert.equal(saved.version, expired.version + 1)
  assert.ok(saved.expires_at > Date.now() / 1000 + 3000, 'expires_at in unix seconds')
  assert.ok(store.calls.findIndex(([k]) => k === 'load') < store.calls.findIndex(([k]) => k === 'save'), 'the store is re-read before the refresh')
  // The saved set is what the client now uses, and the server accepts it.
  assert.equal(c.tokens().access_token, saved.access_token)
  const check = await fetch(`${sim.url}/rest/v1.0/me`, { headers: { authorization: `Bearer ${saved.access_token}` } })
  assert.equal(check.status, 200)
  assert.equal((await sim.counters()).token_calls.refresh_token, 1)
  // revoke() clears the store through clear().
  await c.revoke()
  assert.deepEqual(store.calls.at(-1), ['clear'])
  assert.equal(store.current, null)
})

test('Promise.all of 200 calls at token expiry makes exactly 1 refresh call', async () => {
  const store = recordingStore()
  const c = Client.fromTokens(CLIENT_ID, CLIENT_SECRET, await sim.expiredTokens(), sim.options({ tokenStore: store }))
  const responses = await Promise.all(Array.from({ length: 200 }, () => c.get('me')))
  assert.equal(responses.length, 200)
  assert.ok(responses.every((r) => r.status === 200 && r.json().id === 5000000001))
  const counters = await sim.counters()
  assert.equal(counters.token_calls.refresh_token, 1)
  assert.equal(counters.token_calls.total, 1)
  assert.equal(counters.requests_by_route['GET /rest/v1.0/me'], 200)
  // The core stores the given set first (version 0), then the one rotated set (version 1).
  const versions = store.calls.filter(([k]) => k === 'save').map(([, t]) => t.version)
  assert.deepEqual(versions, [0, 1])
  assert.equal(store.current.version, 1)
})

test('a file store shared by two clients: the second adopts the rotated set', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'procore-node-'))
  try {
    const file = path.join(dir, 'tokens.json')
    await new FileTokenStore(file).save(await sim.expiredTokens())
    const a = Client.fromStoredTokens(CLIENT_ID, CLIENT_SECRET, sim.options({ tokenStore: new FileTokenStore(file) }))
    await a.get('me')
    const onDisk = JSON.parse(fs.readFileSync(file, 'utf8'))
    assert.equal(onDisk.version, 1)
    const b = Client.fromStoredTokens(CLIENT_ID, CLIENT_SECRET, sim.options({ tokenStore: new FileTokenStore(file) }))
    await b.get('me')
    assert.equal((await sim.counters()).token_calls.refresh_token, 1, 'no second refresh')
    assert.equal(b.tokens().access_token, onDisk.access_token)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('a token revoked behind the client: one refresh, the store sees it', async () => {
  const issued = await sim.issueTokens()
  const store = recordingStore({ access_token: issued.access_token, refresh_token: issued.refresh_token, expires_at: Math.floor(Date.now() / 1000) + 3600, version: 0 })
  const c = Client.fromStoredTokens(CLIENT_ID, CLIENT_SECRET, sim.options({ tokenStore: store }))
  await c.get('me')
  await sim.control('POST', 'revoke-access-tokens')
  await Promise.all(Array.from({ length: 20 }, () => c.get('me')))
  assert.equal((await sim.counters()).token_calls.refresh_token, 1)
  assert.equal(store.current.version, 1)
})
