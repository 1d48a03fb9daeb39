'use strict'
// @procore-sdk/node installed without its optional platform package: requiring it must fail
// with one clear message naming the package to install (no stack trace of module internals).
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')

let out = ''
try {
  execFileSync(process.execPath, ['-e', "require('@procore-sdk/node')"], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  assert.fail('require succeeded without the platform package')
} catch (e) {
  assert.equal(e.status, 1, `exit status ${e.status}`)
  out = e.stderr
}
assert.match(out, /PROCORE_NATIVE_MISSING/)
assert.match(out, /the package @procore-sdk\/node-linux-x64-gnu is not installed/)
assert.match(out, /npm install @procore-sdk\/node-linux-x64-gnu/)
assert.doesNotMatch(out, /^\s+at /m, 'the error printed a stack trace')
assert.doesNotMatch(out, /MODULE_NOT_FOUND/)
console.log('node: without the platform package the error names @procore-sdk/node-linux-x64-gnu')
