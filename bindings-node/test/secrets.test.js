'use strict'
// The secret sweep, in Node: a whole session (login by code, calls, a forced refresh, a file store,
// logout, failures of every kind); then every error's message and stack, util.inspect and
// JSON.stringify of every SDK object, and the console output are searched for the client secret,
// the tokens, the code and the PKCE verifier. Any hit fails. (The token store and tokens() hold
// tokens by design and are not searched.)
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const util = require('node:util')

const procore = require('..')
const { Client, OAuthClient, FileTokenStore } = procore
const { startSimulator, CLIENT_ID, CLIENT_SECRET } = require('./helpers')

let sim
before(async () => {
  sim = await startSimulator()
})
after(() => sim.stop())

async function follow(url) {
  const res = await fetch(url, { redirect: 'manual' })
  const location = new URL(res.headers.get('location'))
  return { code: location.searchParams.get('code'), state: location.searchParams.get('state') }
}

test('no secret in errors, inspect output or JSON of SDK objects', async () => {
  const secrets = [CLIENT_SECRET]
  const shown = []
  const oauth = new OAuthClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, baseUrl: sim.url })
  shown.push(util.inspect(oauth, { showHidden: true, depth: 5 }), JSON.stringify(oauth))
  const req = oauth.authorizeUrl('http://127.0.0.1:9/cb', { pkce: true })
  secrets.push(req.pkceVerifier)
  const back = await follow(req.url)
  secrets.push(back.code)
  const tokens = await oauth.exchangeCode(req, back.code, back.state)
  secrets.push(tokens.access_token, tokens.refresh_token)

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'procore-secrets-'))
  try {
    const store = new FileTokenStore(path.join(dir, 'tokens.json'))
    shown.push(util.inspect(store, { showHidden: true, depth: 5 }))
    const client = Client.fromTokens(CLIENT_ID, CLIENT_SECRET, tokens, sim.options({ tokenStore: store }))
    shown.push(util.inspect(client, { showHidden: true, depth: 5 }), JSON.stringify(client))
    const r = await client.get('me')
    shown.push(util.inspect(r, { depth: 5 }))
    await sim.control('POST', 'revoke-access-tokens', {})
    await client.get('me') // a 401, a refresh, a resend
    const current = client.tokens()
    secrets.push(current.access_token, current.refresh_token)

    const failures = []
    const fail = async (f) => {
      try {
        await f()
      } catch (e) {
        assert.ok(procore.isProcoreError(e), `not a ProcoreError: ${e}`)
        failures.push(e)
        return
      }
      assert.fail('expected an error')
    }
    await fail(() => client.get('projects/999', { companyId: 8089 }))
    await fail(() => client.post('projects/100001/rfis', { rfi: {} }, { companyId: 31337 }))
    await fail(() => Client.fromClientCredentials(CLIENT_ID, 'wrong-' + CLIENT_SECRET, sim.options()).get('me'))
    await fail(() => Client.fromRefreshToken(CLIENT_ID, CLIENT_SECRET, tokens.refresh_token, sim.options()).get('me'))
    await fail(() => oauth.exchangeCode(req, back.code, 'forged'))
    await fail(() => new Client({ accessToken: tokens.access_token, baseUrl: 'ftp://x' }))
    await fail(() => new Client({ clientId: CLIENT_ID, clientSecret: { value: CLIENT_SECRET }, baseUrl: sim.url }))
    await fail(() => new Client({ accessToken: current.access_token, companyId: current.refresh_token }))
    await fail(() => Client.fromTokens(CLIENT_ID, CLIENT_SECRET, { access_token: current.access_token + '\n' }, sim.options()).get('me'))
    await client.revoke()
    await fail(() => client.get('me'))
    for (const e of failures) shown.push(e.message, String(e.stack), util.inspect(e, { depth: 5 }), JSON.stringify(e))
    for (const text of shown) {
      for (const s of secrets) assert.ok(!String(text).includes(s), `a secret in: ${String(text).slice(0, 200)}`)
    }
    assert.ok(failures.length >= 10)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
