'use strict'
// The operation catalog from Node: search, lookup, and a call checked before it leaves.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')

const { Client, catalog, InvalidCallError, ConfigError } = require('..')
const { startSimulator, DEV_TOKEN, BIG_BUILD } = require('./helpers')

const CREATE_RFI = 'RestV10ProjectsProjectIdRfisPost'
const ROUTE = 'POST /rest/v1.0/projects/{project_id}/rfis'
const GOOD = { rfi: { subject: 'Dowel spacing', question: { body: 'Which spacing?' }, rfi_manager_id: 7 } }

let sim
before(async () => {
  sim = await startSimulator()
})
after(() => sim.stop())

test('search and lookup', () => {
  assert.ok(catalog.search('create rfi').some((o) => o.id === CREATE_RFI))
  const op = catalog.operation(CREATE_RFI)
  assert.equal(op.method, 'POST')
  assert.equal(op.path, '/rest/v1.0/projects/{project_id}/rfis')
  assert.deepEqual(op.body.schema.properties.rfi.required, ['question', 'rfi_manager_id', 'subject'])
  assert.equal(catalog.operation('NoSuchOperation'), null)
  assert.equal(catalog.search('rfi', 3).length, 3)
})

test('an invalid call sends nothing; a complete one succeeds', async () => {
  const c = new Client(sim.options({ accessToken: DEV_TOKEN }))
  const before = (await sim.counters()).requests_by_route[ROUTE] ?? 0
  await assert.rejects(c.call(CREATE_RFI, { body: { rfi: { subject: 5 } }, companyId: BIG_BUILD }), (e) => {
    assert.ok(e instanceof InvalidCallError)
    assert.equal(e.code, 'invalid_call')
    assert.deepEqual(e.errors['path.project_id'], ['is required'])
    assert.deepEqual(e.errors['body.rfi.subject'], ['must be a string, not an integer'])
    assert.deepEqual(e.errors['body.rfi.question'], ['is required'])
    return true
  })
  assert.equal((await sim.counters()).requests_by_route[ROUTE] ?? 0, before, 'nothing reached the simulator')
  const r = await c.call(CREATE_RFI, { path: { project_id: 100001 }, body: GOOD, companyId: BIG_BUILD })
  assert.equal(r.status, 201)
  assert.equal(r.json().subject, 'Dowel spacing')
  await assert.rejects(c.call('NoSuchOperation'), ConfigError)
})
