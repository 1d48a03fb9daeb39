'use strict'
// The conformance vectors (tests/conformance/vectors.json) through the Node binding: each call in
// language-neutral form (core option names, seconds) must put exactly the expected request on the
// wire (the simulator records it), or fail with the expected code before sending anything. Rust,
// Python and Kotlin run the same file.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const procore = require('..')
const { startSimulator } = require('./helpers')

const FILE = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'tests', 'conformance', 'vectors.json'), 'utf8'))

// The neutral names and units -> this binding's (camelCase, milliseconds).
const CAMEL = { company_id: 'companyId', without_company: 'withoutCompany', max_attempts: 'maxAttempts', per_page: 'perPage', max_items: 'maxItems', api_version: 'apiVersion', rate_limit: 'rateLimit' }
const MS = { timeout: 'timeoutMs', deadline: 'deadlineMs' }
function options(neutral) {
  const out = {}
  for (const [k, v] of Object.entries(neutral)) {
    if (k === 'json') continue
    if (MS[k]) out[MS[k]] = v * 1000
    else out[CAMEL[k] ?? k] = v
  }
  return out
}

let sim, client
before(async () => {
  sim = await startSimulator()
  const token = (await sim.control('POST', 'tokens', {})).access_token
  client = new procore.Client({ accessToken: token, baseUrl: sim.url, ...options(FILE.client) })
})
after(() => sim.stop())

async function run(v) {
  if (v.kind === 'paginate') {
    const pages = client.paginate(v.path, options(v.options)).pages()
    await pages.next()
    return
  }
  const o = options(v.options)
  if ('json' in v.options) o.body = v.options.json
  await client.request(v.method, v.path, o)
}

test('there are at least 30 vectors', () => {
  assert.ok(FILE.vectors.length >= 30)
})

for (const v of FILE.vectors) {
  test(`vector: ${v.name}`, async () => {
    await sim.control('DELETE', 'requests')
    if (v.error) {
      await assert.rejects(run(v), (e) => {
        assert.ok(procore.isProcoreError(e), `not a ProcoreError: ${e}`)
        assert.equal(e.code, v.error, e.message)
        return true
      })
      assert.deepEqual(await sim.control('GET', 'requests'), [], 'a failing call sent a request')
      return
    }
    try {
      await run(v)
    } catch (e) {
      // The answer does not matter here (a 404 is fine), the request does.
      assert.notEqual(e.code, 'config', e.message)
    }
    const got = await sim.control('GET', 'requests')
    assert.ok(got.length > 0, 'nothing reached the simulator')
    const r = got[0]
    const want = v.expect
    assert.equal(r.method, want.method)
    assert.equal(r.path, want.path)
    assert.equal(r.query, want.query)
    const headers = new Map()
    for (const [name, value] of r.headers) if (!headers.has(name)) headers.set(name, value)
    for (const [name, value] of Object.entries(want.headers)) assert.equal(headers.get(name) ?? null, value, name)
    assert.deepEqual(r.body === null ? null : JSON.parse(r.body), want.body)
  })
}
