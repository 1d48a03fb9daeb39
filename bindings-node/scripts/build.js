#!/usr/bin/env node
'use strict'
// Builds the native addon with cargo (release) and copies it next to index.js under the name
// `napi build --platform` would give it. Run by `npm install` (with --if-missing: an existing
// addon is kept) and by `npm run build` (always rebuilds). Needs a Rust toolchain (cargo).
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { addonFileName } = require('./platform')

const pkgDir = path.resolve(__dirname, '..')
const dest = path.join(pkgDir, addonFileName())

if (process.argv.includes('--if-missing') && fs.existsSync(dest)) {
  process.exit(0)
}

const cargo = process.env.CARGO || 'cargo'
const manifest = path.join(pkgDir, 'Cargo.toml')
const run = (args, opts = {}) => execFileSync(cargo, args, { cwd: pkgDir, ...opts })

try {
  run(['build', '--release', '-p', 'procore-node', '--manifest-path', manifest], {
    stdio: ['ignore', 'inherit', 'inherit'],
  })
} catch (e) {
  console.error('procore: building the native addon failed (a Rust toolchain is required: https://rustup.rs)')
  process.exit(1)
}

const meta = JSON.parse(
  run(['metadata', '--format-version', '1', '--no-deps', '--manifest-path', manifest], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  }),
)
const lib = {
  darwin: 'libprocore_node.dylib',
  win32: 'procore_node.dll',
}[process.platform] || 'libprocore_node.so'
const built = path.join(meta.target_directory, 'release', lib)
// Copy to a temp name and rename: a process that has the old addon loaded keeps its mapping.
const tmp = `${dest}.tmp-${process.pid}`
fs.copyFileSync(built, tmp)
fs.renameSync(tmp, dest)
console.error(`procore: native addon at ${path.relative(process.cwd(), dest) || dest}`)
