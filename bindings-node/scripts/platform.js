'use strict'
// The addon's platform name as napi-rs spells it (linux-x64-gnu, linux-arm64-musl,
// darwin-arm64, win32-x64-msvc, ...): the file `napi build --platform` writes
// (procore.<platform>.node) and the prebuilt package that carries it
// (@procore-sdk/node-<platform>, an optional dependency of @procore-sdk/node).

function abi() {
  if (process.platform === 'linux') {
    const report = process.report && process.report.getReport ? process.report.getReport() : null
    const glibc = report && report.header && report.header.glibcVersionRuntime
    return glibc ? '-gnu' : '-musl'
  }
  if (process.platform === 'win32') return '-msvc'
  return ''
}

function platformName() {
  return `${process.platform}-${process.arch}${abi()}`
}

function addonFileName() {
  return `procore.${platformName()}.node`
}

function platformPackage() {
  return `@procore-sdk/node-${platformName()}`
}

module.exports = { platformName, addonFileName, platformPackage }
