'use strict'
// Bad arguments from JavaScript end in a ConfigError from the core (never a wrapped number, a
// silent fallback, an abort or an echoed secret), and odd answers are refused, not mangled.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')

const procore = require('..')
const { Client, ConfigError, DecodeError } = procore
const { startSimulator, DEV_TOKEN } = require('./helpers')

let sim
before(async () => {
  sim = await startSimulator()
})
after(() => sim.stop())

const isConfig = (e) => e instanceof ConfigError && e.code === 'config'

test('numbers past their range are refused, not wrapped', async () => {
  const c = new Client({ accessToken: DEV_TOKEN, baseUrl: sim.url, rateLimit: false })
  await assert.rejects(c.get('me', { maxAttempts: 2 ** 32 + 1 }), isConfig)
  assert.throws(() => new Client({ accessToken: 'x', maxAttempts: 2 ** 32 + 2 }), isConfig)
  const pages = c.paginate('projects', { perPage: 2 ** 32 + 5, query: { company_id: 8089 } }).pages()
  await assert.rejects(pages.next(), isConfig)
  await assert.rejects(c.get('me', { companyId: 2 ** 60 }), isConfig)
  await assert.rejects(c.get('me', { timeoutMs: NaN }), isConfig)
  await assert.rejects(c.get('me', { deadlineMs: -Infinity }), isConfig)
})

test('a huge duration is clamped, not an abort', async () => {
  const c = new Client({ accessToken: DEV_TOKEN, baseUrl: sim.url, rateLimit: false, deadlineMs: 1e300, requestTimeoutMs: 1e300 })
  assert.equal((await c.get('me', { timeoutMs: 1e300 })).status, 200)
})

test('a bad environment is an error, never production', () => {
  assert.throws(() => new Client({ accessToken: 'x', environment: 'sandbx' }), isConfig)
  assert.throws(() => new Client({ accessToken: 'x', environment: 'sandbox', baseUrl: sim.url }), isConfig)
  assert.throws(() => new Client({ accessToken: 'x', apiBase: sim.url }), isConfig)
})

test('unknown option names and wrong types are config errors that echo no value', async () => {
  const secret = 'shh-this-is-the-secret-1234'
  for (const bad of [{ clientId: 'id', clientSecret: { secret } }, { accessToken: 'x', companyId: secret }, { accessToken: 'x', compnyId: 1 }]) {
    assert.throws(() => new Client(bad), (e) => isConfig(e) && !e.message.includes(secret) && !e.stack.includes(secret))
  }
  const c = new Client({ accessToken: DEV_TOKEN, baseUrl: sim.url })
  await assert.rejects(c.get('me', { query: 'abc' }), isConfig)
  await assert.rejects(c.get('me', { companyID: 5 }), (e) => isConfig(e) && /companyID/.test(e.message))
})

test('header() reads only real headers', async () => {
  const c = new Client({ accessToken: DEV_TOKEN, baseUrl: sim.url, rateLimit: false })
  const r = await c.get('me')
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) assert.equal(r.header(name), null, name)
  assert.equal(r.header('Content-Type'), r.headers['content-type'])
})

test('json() refuses a body that is not UTF-8 instead of parsing replacement characters', async () => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])) // {"a":"\xff\xfe"}
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const c = new Client({ accessToken: 'x', baseUrl: `http://127.0.0.1:${server.address().port}`, rateLimit: false })
    const r = await c.get('me')
    assert.throws(() => r.json(), (e) => e instanceof DecodeError && /UTF-8/.test(e.message))
  } finally {
    server.close()
  }
})

test('ERROR_CODES come from the core and each has its class', () => {
  assert.ok(procore.ERROR_CODES.length >= 17)
  assert.ok(procore.ERROR_CODES.includes('config') && procore.ERROR_CODES.includes('state_mismatch'))
})
