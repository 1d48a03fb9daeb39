'use strict'
// @procore-sdk/node installed without its optional platform package: requiring it must fail
// with one clear message naming the package to install (no stack trace of module internals).
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')

let failed = null
try {
  execFileSync(process.execPath, ['-e', "require('@procore-sdk/node')"], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
} catch (e) {
  failed = e
}
assert.ok(failed, 'require succeeded without the platform package')
assert.equal(failed.status, 1, `exit status ${failed.status}`)
const out = failed.stderr
assert.match(out, /PROCORE_NATIVE_MISSING/)
assert.match(out, /the package @procore-sdk\/node-linux-x64-gnu is not installed/)
assert.match(out, /npm install @procore-sdk\/node-linux-x64-gnu/)
assert.doesNotMatch(out, /^\s+at /m, 'the error printed a stack trace')
assert.doesNotMatch(out, /MODULE_NOT_FOUND/)
console.log('node: without the platform package the error names @procore-sdk/node-linux-x64-gnu')
