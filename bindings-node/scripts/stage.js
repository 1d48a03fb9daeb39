#!/usr/bin/env node
'use strict'
// Stages the two npm packages users install (run by scripts/package, then `npm pack`ed):
//   <out>/node                    @procore-sdk/node: the JS layer and types; the prebuilt addon
//                                 comes from an optional dependency, no install script
//   <out>/node-<platform>         @procore-sdk/node-<platform>: the addon alone, with os/cpu/libc
//                                 so npm installs it only where it loads (the napi-rs layout)
// Usage: node scripts/stage.js <built libprocore_node.so> <out dir>
const fs = require('node:fs')
const path = require('node:path')
const { platformName, platformPackage, addonFileName } = require('./platform')

const [built, out] = process.argv.slice(2)
if (!built || !out) {
  console.error('usage: node scripts/stage.js <libprocore_node.so> <out dir>')
  process.exit(2)
}
const pkgDir = path.resolve(__dirname, '..')
const main = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'))
const platform = platformName() // linux-x64-gnu here
const [os, cpu, abi] = platform.split('-')

const write = (dir, name, text) => {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, name), text)
}
const json = (v) => JSON.stringify(v, null, 2) + '\n'
const common = {
  version: main.version,
  license: main.license,
  engines: main.engines,
  ...(main.repository ? { repository: main.repository } : {}),
}

// The platform package.
const platDir = path.join(out, `node-${platform}`)
const addon = addonFileName()
fs.mkdirSync(platDir, { recursive: true })
fs.copyFileSync(built, path.join(platDir, addon))
write(
  platDir,
  'package.json',
  json({
    name: platformPackage(),
    ...common,
    description: `The prebuilt native addon of @procore-sdk/node for ${platform}.`,
    main: addon,
    files: [addon],
    os: [os],
    cpu: [cpu],
    ...(abi === 'gnu' ? { libc: ['glibc'] } : abi === 'musl' ? { libc: ['musl'] } : {}),
  }),
)
write(platDir, 'README.md', `# ${platformPackage()}\n\nThe native addon of [@procore-sdk/node](https://www.npmjs.com/package/@procore-sdk/node) for ${platform}. Install \`@procore-sdk/node\`, not this package: npm picks it as an optional dependency.\n`)

// The main package: the files it lists, minus the build-from-source script.
const mainDir = path.join(out, 'node')
const copy = (rel) => {
  const from = path.join(pkgDir, rel)
  const to = path.join(mainDir, rel)
  fs.mkdirSync(path.dirname(to), { recursive: true })
  fs.cpSync(from, to, { recursive: true })
}
for (const rel of ['index.js', 'index.d.ts', 'lib', 'scripts/platform.js', 'README.md']) copy(rel)
const { scripts, devDependencies, files, napi, ...rest } = main
write(
  mainDir,
  'package.json',
  json({
    ...rest,
    files: ['index.js', 'index.d.ts', 'lib/', 'scripts/platform.js'],
    optionalDependencies: { [platformPackage()]: main.version },
  }),
)
console.error(`staged ${main.name}@${main.version} and ${platformPackage()} in ${out}`)
