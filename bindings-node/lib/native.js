'use strict'
// Loads the native addon (src/*.rs, built by scripts/build.js).

const path = require('node:path')
const { addonFileName } = require('../scripts/platform')

function loadNative() {
  const file = process.env.PROCORE_NODE_ADDON || path.join(__dirname, '..', addonFileName())
  try {
    return require(file)
  } catch (e) {
    const err = new Error(
      `procore: cannot load the native addon ${file} (${e && e.message}); ` +
        'build it with `npm run build` in bindings-node (needs cargo)',
    )
    err.cause = e
    throw err
  }
}

const native = loadNative()
module.exports = { native }
