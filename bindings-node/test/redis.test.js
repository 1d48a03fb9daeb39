'use strict'
// RedisTokenStore against a real redis-server on a free loopback port.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { spawn, execFileSync } = require('node:child_process')
const net = require('node:net')
const util = require('node:util')

const { Client, RedisTokenStore, ConfigError } = require('..')
const { startSimulator, CLIENT_ID, CLIENT_SECRET, DEV_TOKEN } = require('./helpers')

let sim, redis, url
const freePort = () => new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) }) })
const reachable = (port) => new Promise((resolve) => { const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true) }); c.on('error', () => resolve(false)) })

before(async () => {
  sim = await startSimulator()
  const port = await freePort()
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const until = Date.now() + 10_000
  while (!(await reachable(port))) {
    assert.ok(Date.now() < until, 'redis-server did not start')
    await new Promise((r) => setTimeout(r, 20))
  }
  url = `redis://127.0.0.1:${port}`
})
after(() => {
  redis.kill()
  return sim.stop()
})

test('a client rotates through Redis and a second one adopts the set', async () => {
  const prefix = RedisTokenStore.keyPrefix('local', CLIENT_ID, 'user-1')
  const store = new RedisTokenStore(url, prefix)
  assert.ok(!util.inspect(store, { showHidden: true }).includes('127.0.0.1'))
  assert.equal(await store.load(), null)
  await store.save(await sim.expiredTokens())
  const a = Client.fromStoredTokens(CLIENT_ID, CLIENT_SECRET, sim.options({ tokenStore: store }))
  assert.equal((await a.get('me')).status, 200)
  assert.equal((await store.load()).version, 1)
  const b = Client.fromStoredTokens(CLIENT_ID, CLIENT_SECRET, sim.options({ tokenStore: new RedisTokenStore(url, prefix) }))
  assert.equal((await b.get('me')).status, 200)
  assert.equal((await sim.counters()).token_calls.refresh_token, 1)
})

test('a bad Redis URL is a ConfigError that does not show the password', () => {
  assert.throws(() => new RedisTokenStore('http://user:hunter2@host', 'p'), (e) => e instanceof ConfigError && !e.message.includes('hunter2'))
})

test('the rate budget is shared in Redis (rateBudget)', async () => {
  const port = url.split(':').pop()
  const keys = () => execFileSync('redis-cli', ['-p', port, '--scan', '--pattern', 'procore:budget:*'], { encoding: 'utf8' }).split(/\s+/).filter(Boolean)
  assert.deepEqual(keys(), [])
  const c = new Client(sim.options({ accessToken: DEV_TOKEN, rateBudget: url }))
  assert.equal((await c.get('me')).status, 200)
  assert.ok(keys().some((k) => k.endsWith(':state')), keys().join(' '))
  assert.throws(() => new Client(sim.options({ accessToken: DEV_TOKEN, rateBudget: 'http://user:hunter2@host' })), (e) => e instanceof ConfigError && !e.message.includes('hunter2'))
})

test('a webhook dedupe in Redis is shared by two receivers', async () => {
  const { WebhookReceiver } = require('..')
  const opts = { redisUrl: url, redisPrefix: 'node:hooks:', ttlMs: 60_000 }
  const a = new WebhookReceiver({ 'X-Key': 'k' }, opts)
  const b = new WebhookReceiver({ 'X-Key': 'k' }, opts)
  const body = '{"id": "01NODEREDIS", "reason": "update", "resource_type": "RFIs"}'
  assert.equal((await a.receive({ 'x-key': 'k' }, body)).verdict, 'accepted')
  assert.equal((await b.receive({ 'x-key': 'k' }, body)).verdict, 'duplicate')
  const port = url.split(':').pop()
  const ttl = Number(execFileSync('redis-cli', ['-p', port, 'TTL', 'node:hooks:01NODEREDIS']).toString().trim())
  assert.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`)
})
