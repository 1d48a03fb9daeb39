'use strict'
// Four processes x 32 concurrent loops on one token store across several expiries of 3-second
// tokens: one refresh per expiry among all of them, and no spent refresh token is ever sent
// again (the simulator would answer invalid_grant). Once with the SDK's FileTokenStore, once with
// a hand-written JavaScript store that offers lock(). Python and Kotlin run the same test.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const { startSimulator, CLIENT_ID, CLIENT_SECRET } = require('./helpers')

const RUN_MS = 8000
const TTL_S = 3
const SKEW_MS = 500

const WORKER = `
const fs = require('node:fs')
const { Client, FileTokenStore } = require(${JSON.stringify(path.join(__dirname, '..'))})
const [kind, base, file, runMs] = process.argv.slice(1)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
// A hand-written store: a JSON file, and a lock directory (mkdir is atomic) held around refreshes.
const custom = {
  async load() { try { return JSON.parse(fs.readFileSync(file, 'utf8')) } catch (e) { if (e.code === 'ENOENT') return null; throw e } },
  async save(t) { const tmp = file + '.' + process.pid; fs.writeFileSync(tmp, JSON.stringify(t)); fs.renameSync(tmp, file) },
  async lock() {
    for (;;) {
      try { fs.mkdirSync(file + '.js-lock'); break } catch (e) { if (e.code !== 'EEXIST') throw e; await sleep(5) }
    }
    return { release() { fs.rmdirSync(file + '.js-lock') } }
  },
}
const store = kind === 'core' ? new FileTokenStore(file) : custom
const client = new Client({ clientId: ${JSON.stringify(CLIENT_ID)}, clientSecret: ${JSON.stringify(CLIENT_SECRET)},
  tokenStore: store, stored: true, baseUrl: base, rateLimit: false, refreshSkewMs: ${SKEW_MS} })
const until = Date.now() + Number(runMs)
const errors = []
async function loop() { let n = 0; try { while (Date.now() < until) { await client.get('me', { companyId: 8089 }); n++ } } catch (e) { errors.push(String(e)) } return n }
Promise.all(Array.from({ length: 32 }, loop)).then((ns) => {
  console.log(JSON.stringify({ calls: ns.reduce((a, b) => a + b, 0), errors }))
  client.close()
})
`

let sim
before(async () => {
  sim = await startSimulator()
})
after(() => sim.stop())

function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`worker exited ${code}: ${err}`))))
  })
}

for (const kind of ['core', 'js']) {
  test(`four processes share one ${kind} store and refresh once per expiry`, async () => {
    const before = (await sim.control('GET', 'config')).access_token_ttl
    await sim.control('PATCH', 'config', { access_token_ttl: TTL_S })
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'procore-node-shared-'))
    try {
      const file = path.join(dir, 'tokens.json')
      fs.writeFileSync(file, JSON.stringify(await sim.expiredTokens()))
      await sim.reset()
      const started = Date.now()
      const results = await Promise.all([1, 2, 3, 4].map(() => run([kind, sim.url, file, String(RUN_MS)])))
      const elapsed = Date.now() - started
      for (const r of results) assert.deepEqual(r.errors, [])
      const calls = results.reduce((a, r) => a + r.calls, 0)
      const c = await sim.counters()
      const refreshes = c.token_calls.refresh_token
      // The set starts expired (one refresh), then one per expiry over the whole run (processes
      // start a little apart): a 3 s token refreshed 0.5 s early lasts at least 2.5 s.
      const expiries = Math.floor(elapsed / (TTL_S * 1000 - SKEW_MS)) + 1
      console.log(`${kind} store: ${calls} calls by 4 processes, ${refreshes} refreshes, ${c.token_errors} token errors`)
      assert.ok(calls > 100)
      assert.equal(c.token_errors, 0, 'a spent refresh token was sent again')
      assert.ok(refreshes >= 2 && refreshes <= expiries + 1, `${refreshes} refreshes for about ${expiries} expiries`)
    } finally {
      await sim.control('PATCH', 'config', { access_token_ttl: before })
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
}
