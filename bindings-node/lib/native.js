'use strict'
// Loads the native addon (src/*.rs). In order:
//   1. PROCORE_NODE_ADDON, a path to a .node file;
//   2. procore.<platform>.node next to index.js (a build from source: scripts/build.js);
//   3. the prebuilt platform package @procore-sdk/node-<platform> (an optional dependency
//      that npm installs only on its os/cpu/libc).
// When none loads, the error names the platform package to install.

const fs = require('node:fs')
const path = require('node:path')
const { addonFileName, platformPackage, platformName } = require('../scripts/platform')

function loadNative() {
  const explicit = process.env.PROCORE_NODE_ADDON
  if (explicit) return load(explicit, `PROCORE_NODE_ADDON=${explicit}`)
  const local = path.join(__dirname, '..', addonFileName())
  if (fs.existsSync(local)) return load(local, local)
  const pkg = platformPackage()
  let resolved
  try {
    resolved = require.resolve(pkg)
  } catch (e) {
    const err = new Error(
      `procore: no native addon for ${platformName()}: the package ${pkg} is not installed. ` +
        `Install it (npm install ${pkg}; it is an optional dependency of @procore-sdk/node, so ` +
        'an install with --omit=optional or --no-optional leaves it out), or build the addon ' +
        'from source with `npm run build` in bindings-node (needs cargo).',
    )
    err.code = 'PROCORE_NATIVE_MISSING'
    // An install problem, not a bug: the message is the whole story, no stack trace.
    err.stack = `Error [${err.code}]: ${err.message}`
    throw err
  }
  return load(resolved, pkg)
}

function load(file, what) {
  try {
    return require(file)
  } catch (e) {
    const err = new Error(`procore: cannot load the native addon ${what} (${e && e.message})`)
    err.code = 'PROCORE_NATIVE_LOAD'
    err.cause = e
    throw err
  }
}

const native = loadNative()
module.exports = { native }
