'use strict'
// The process exits by itself: a closed (or forgotten) client, its custom store's callbacks and
// the native runtime never keep Node's event loop alive; a pending call does until it settles.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const path = require('node:path')
const { startSimulator, CLIENT_ID, CLIENT_SECRET } = require('./helpers')

let sim
before(async () => {
  sim = await startSimulator()
})
after(async () => {
  await sim.stop()
})

const PKG = path.resolve(__dirname, '..')

/** Runs `body` in a fresh node process; resolves with {code, signal, stdout, ms}, or kills it. */
function runChild(body, env = {}, limitMs = 20_000) {
  const script = `
    const procore = require(${JSON.stringify(PKG)});
    const { Client } = procore;
    const SIM = process.env.SIM_URL;
    (async () => { ${body} })().catch((e) => { console.error('child failed:', e); process.exitCode = 3 });
  `
  return new Promise((resolve) => {
    const t0 = Date.now()
    const child = spawn(process.execPath, ['-e', script], {
      env: { ...process.env, SIM_URL: sim.url, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let stdout = ''
    child.stdout.on('data', (d) => (stdout += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, ms: Date.now() - t0 })
    })
  })
}

const WORKLOAD = `
  const t = await (await fetch(SIM + '/__simulator/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json();
  let current = { access_token: t.access_token, refresh_token: t.refresh_token, expires_at: Math.floor(Date.now() / 1000) - 1, version: 0 };
  let saves = 0;
  const store = { async load() { return current }, async save(x) { saves++; current = x } };
  const c = Client.fromStoredTokens(${JSON.stringify(CLIENT_ID)}, ${JSON.stringify(CLIENT_SECRET)}, { baseUrl: SIM, rateLimit: false, companyId: 31337, tokenStore: store });
  const rs = await Promise.all(Array.from({ length: 20 }, () => c.get('me')));
  let n = 0;
  for await (const _ of c.paginate('projects', { query: { company_id: 31337 }, perPage: 500 })) n++;
  console.log('ok', rs.length, n, saves);
`

test('the process exits by itself after the client is closed', async () => {
  const r = await runChild(`${WORKLOAD} c.close(); console.log('closed', c.closed);`)
  assert.equal(r.signal, null, `killed after ${r.ms} ms: the event loop was kept alive`)
  assert.equal(r.code, 0)
  assert.match(r.stdout, /ok 20 2500 1/)
  assert.match(r.stdout, /closed true/)
  assert.ok(r.ms < 15_000, `took ${r.ms} ms`)
})

test('a client that is just forgotten (garbage) does not keep the process alive either', async () => {
  const r = await runChild(`${WORKLOAD}`)
  assert.equal(r.signal, null, `killed after ${r.ms} ms: the event loop was kept alive`)
  assert.equal(r.code, 0)
  assert.match(r.stdout, /ok 20 2500 1/)
})

test('a pending call keeps the process alive until it settles', async () => {
  await sim.fault({ kind: 'latency', ms: 700 })
  const r = await runChild(`
    const c = Client.fromAccessToken('sim-dev-token', { baseUrl: SIM, rateLimit: false });
    c.get('me').then((res) => console.log('answered', res.status, res.json().id));
  `)
  assert.equal(r.code, 0)
  assert.match(r.stdout, /answered 200 5000000001/)
  assert.ok(r.ms >= 700, `exited after ${r.ms} ms, before the answer`)
  await sim.clearFaults()
})
