'use strict'
// Sync batches, direct uploads and webhooks through the npm package, against the simulator
// over real sockets.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')

const { Client, WebhookReceiver, UploadError, ConfigError, DecodeError } = require('..')
const { startSimulator, DEV_TOKEN, BIG_BUILD } = require('./helpers')

const PROJECT = 100_001
const MIN_SEGMENT = 5 * 1024 * 1024 + 1
const TWELVE_MIB = 12 * 1024 * 1024
const SECRET = 'Bearer node-hook-s3cret'

let sim
before(async () => {
  sim = await startSimulator()
})
after(() => sim.stop())

const client = () => Client.fromAccessToken(DEV_TOKEN, sim.options({ companyId: BIG_BUILD }))
const payload = (n) => {
  // Deterministic bytes that differ from segment to segment.
  const b = Buffer.alloc(n)
  let x = 0x9e3779b9
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    b[i] = x & 0xff
  }
  return b
}
const uploads = async () => Object.fromEntries((await sim.control('GET', 'uploads')).map((u) => [u.id, u]))
const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex')

test('2,500 sync updates become three calls with refusals at their index', async () => {
  await sim.reset()
  const updates = Array.from({ length: 2500 }, (_, i) => ({ origin_id: `node-${i}`, name: `Vendor ${i}` }))
  updates[10].email_address = 'nope'
  updates[1999].name = ' '
  const c = client()
  const out = await c.sync('/rest/v1.0/vendors/sync', updates, { body: { company_id: BIG_BUILD } })
  assert.equal(out.batches, 3)
  assert.equal((await sim.counters()).requests_by_route['PATCH /rest/v1.0/vendors/sync'], 3)
  assert.equal(out.entities.length, 2498)
  assert.deepEqual(out.errors.map((e) => e.index).sort((a, b) => a - b), [10, 1999])
  await assert.rejects(c.sync('/rest/v1.0/vendors/sync', [], { batchSize: 0 }), ConfigError)
  await assert.rejects(c.sync('/rest/v1.0/vendors/sync', [], { perPage: 3 }), /perPage/)
  await assert.rejects(c.sync('/rest/v1.0/vendors/sync', 'x'), ConfigError)
  c.close()
})

test('12 MiB from a file in three v2.1 segments, progress to 100%', async () => {
  await sim.reset()
  const data = payload(TWELVE_MIB)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'procore-upload-'))
  const file = path.join(dir, 'site-photo.png')
  fs.writeFileSync(file, data)
  const seen = []
  const c = client()
  const out = await c.upload(file, { projectId: PROJECT, segmentSize: MIN_SEGMENT, progress: (p) => seen.push(p) })
  fs.rmSync(dir, { recursive: true })
  assert.equal(out.status, 'available')
  assert.deepEqual([out.segments, out.size, out.sha256, out.fileName, out.contentType], [3, TWELVE_MIB, sha256(data), 'site-photo.png', 'image/png'])
  assert.equal(seen[0].sent, 0)
  assert.deepEqual(seen.at(-1), { sent: TWELVE_MIB, total: TWELVE_MIB, segmentsDone: 3, segments: 3 })
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].sent > seen[i - 1].sent)
  const rec = (await uploads())[out.id]
  assert.equal(rec.stored_sha256, sha256(data))
  assert.equal(rec.scope, `companies/${BIG_BUILD}/projects/${PROJECT}`)
  c.close()
})

for (const [flow, kind, segments] of [['v1.1', 'legacy_single', 1], ['v1.1-segmented', 'legacy_segmented', 3]]) {
  test(`the ${flow} flow from bytes`, async () => {
    await sim.reset()
    const data = payload(TWELVE_MIB)
    const seen = []
    const c = client()
    const out = await c.upload(new Uint8Array(data), { fileName: 'model.ifc', flow, projectId: PROJECT, segmentSize: 5 * 1024 * 1024, progress: (p) => seen.push(p) })
    assert.deepEqual([out.status, out.segments, out.flow], ['complete', segments, flow])
    assert.equal(seen.at(-1).sent, TWELVE_MIB)
    const rec = (await uploads())[out.id]
    assert.deepEqual([rec.flow, rec.stored_sha256], [kind, sha256(data)])
    c.close()
  })
}

test('a segment always damaged is an UploadError naming it', async () => {
  await sim.reset()
  await sim.fault({ kind: 'corrupt', count: null })
  const c = client()
  const err = await c.upload(payload(TWELVE_MIB), { fileName: 'x.bin', segmentSize: MIN_SEGMENT, parallelism: 1, retries: 1 }).catch((e) => e)
  await sim.clearFaults()
  assert.ok(err instanceof UploadError, String(err))
  assert.deepEqual([err.code, err.status, err.segment, err.segments, err.attempts], ['upload', 400, 1, 3, 2])
  assert.match(err.message, /segment 1 of 3/)
  assert.match(err.message, /BadDigest/)
  assert.ok(!err.message.includes('Signature'))
  assert.ok(err.uploadId in (await uploads()))
  await assert.rejects(c.upload(Buffer.from('abc')), /file_name/)
  await assert.rejects(c.upload(42, { fileName: 'a' }), ConfigError)
  c.close()
})

test('an RFI event reaches a node:http receiver; forgeries are refused, the repeat is known', async () => {
  await sim.reset()
  await sim.control('PATCH', 'config', { webhook_duplicates: true })
  const receiver = new WebhookReceiver({ Authorization: SECRET })
  const judged = []
  const waiters = []
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', async () => {
      const d = await receiver.receive(req.headers, Buffer.concat(chunks))
      res.writeHead(d.status).end()
      judged.push(d)
      waiters.splice(0).forEach((w) => w())
    })
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${server.address().port}/hooks`
  const nth = async (n) => {
    const until = Date.now() + 15_000
    while (judged.length < n) {
      assert.ok(Date.now() < until, `only ${judged.length} deliveries`)
      await new Promise((r) => { waiters.push(r); setTimeout(r, 200) })
    }
    return judged[n - 1]
  }
  const c = client()
  try {
    const hook = await c.createHook({ projectId: PROJECT, destinationUrl: url, destinationHeaders: { Authorization: SECRET }, apiVersion: 'v2', namespace: 'node' })
    await c.createTrigger(hook.id, 'RFIs', 'create', { projectId: PROJECT })
    assert.equal((await c.listTriggers(hook.id, { projectId: PROJECT })).length, 1)
    const rfi = (await c.post(`projects/${PROJECT}/rfis`, { rfi: { subject: 'Rebar spacing?' } })).json()
    // The two copies may be judged in either order (both receives run at once).
    const [first, second] = [await nth(1), await nth(2)].sort((a, b) => (a.verdict === 'accepted' ? -1 : 1) - (b.verdict === 'accepted' ? -1 : 1))
    assert.deepEqual([first.verdict, second.verdict], ['accepted', 'duplicate'])
    assert.deepEqual([first.event.resource_name, first.event.event_type, first.event.resource_id], ['RFIs', 'create', rfi.id])
    assert.equal(first.key, second.key)

    for (const headers of [{}, { authorization: 'Bearer guess' }]) {
      const r = await fetch(url, { method: 'POST', headers, body: JSON.stringify(first.event) })
      assert.equal(r.status, 401)
      const forged = await nth(judged.length)
      assert.deepEqual([forged.verdict, forged.event], ['rejected', null])
    }
    assert.equal((await c.listDeliveries(hook.id, 'successful', { projectId: PROJECT })).length, 2)
    await assert.rejects(c.listDeliveries(hook.id, 'sometimes', { projectId: PROJECT }), ConfigError)
    assert.equal((await c.updateHook(hook.id, { projectId: PROJECT, namespace: 'node2' })).namespace, 'node2')
    await c.deleteHook(hook.id, { projectId: PROJECT })
    assert.deepEqual(await c.listHooks({ projectId: PROJECT }), [])
  } finally {
    await sim.control('PATCH', 'config', { webhook_duplicates: false })
    server.close()
    c.close()
  }
})

test('the receiver alone: raw headers, bad bodies, bad names', async () => {
  const r = new WebhookReceiver({ 'X-Key': 'zz-s3cret-zz' }, { remember: 5 })
  const body = '{"id": "01N", "reason": "create"}'
  assert.equal((await r.receive(['X-KEY', 'zz-s3cret-zz'], body)).verdict, 'accepted')
  assert.equal((await r.receive({ 'x-key': 'zz-s3cret-zz' }, Buffer.from(body))).verdict, 'duplicate')
  await assert.rejects(r.receive({ 'x-key': 'zz-s3cret-zz' }, '<html>'), DecodeError)
  assert.throws(() => new WebhookReceiver({ 'bad name': 'v' }), ConfigError)
  assert.throws(() => new WebhookReceiver({ 'X-Key': 'v' }, { remembr: 3 }), /remembr/)
})
