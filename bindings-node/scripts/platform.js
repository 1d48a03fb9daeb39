'use strict'
// The addon's file name for this platform, as `napi build --platform` names it
// (procore.linux-x64-gnu.node, procore.darwin-arm64.node, procore.win32-x64-msvc.node, ...).

function abi() {
  if (process.platform === 'linux') {
    const report = process.report && process.report.getReport ? process.report.getReport() : null
    const glibc = report && report.header && report.header.glibcVersionRuntime
    return glibc ? '-gnu' : '-musl'
  }
  if (process.platform === 'win32') return '-msvc'
  return ''
}

function addonFileName() {
  return `procore.${process.platform}-${process.arch}${abi()}.node`
}

module.exports = { addonFileName }
