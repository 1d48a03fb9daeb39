'use strict'
// The installed npm tarballs against the simulator: calls, pagination, an error by code.
// Run by tests/package/test.sh in a fresh folder holding @procore-sdk/node and its platform package.
const assert = require('node:assert/strict')
const path = require('node:path')
const procore = require('@procore-sdk/node')

const COMPANY = 31337

async function main() {
  // Loaded from node_modules, with the addon of the platform package (no local build).
  const entry = require.resolve('@procore-sdk/node')
  assert.ok(entry.includes(`${path.sep}node_modules${path.sep}`), entry)
  const addon = require.resolve('@procore-sdk/node-linux-x64-gnu')
  assert.ok(addon.endsWith('.node'), addon)
  const version = require('@procore-sdk/node/package.json').version
  assert.equal(version, process.env.PROCORE_VERSION)

  const client = procore.Client.fromAccessToken('sim-dev-token', {
    baseUrl: process.env.PROCORE_BASE_URL,
    companyId: COMPANY,
  })
  try {
    const me = (await client.get('/rest/v1.0/me')).json()
    assert.equal(typeof me.id, 'number')
    assert.ok(me.login)
    const first = await client.get('/rest/v1.0/projects', { query: { company_id: COMPANY, per_page: 1 } })
    const total = Number(first.headers.total)
    assert.ok(total > 0, `total header ${first.headers.total}`)
    const ids = new Set()
    for await (const p of client.paginate('/rest/v1.0/projects', { query: { company_id: COMPANY }, perPage: 100 })) ids.add(p.id)
    assert.equal(ids.size, total)
    await assert.rejects(client.get('/rest/v1.0/projects/987654321'), (e) => {
      assert.ok(procore.isProcoreError(e))
      assert.equal(e.code, 'not_found')
      assert.equal(e.status, 404)
      return true
    })
    console.log(`node: @procore-sdk/node ${version} from the tarballs: calls ok (${total} projects)`)
  } finally {
    client.close()
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
