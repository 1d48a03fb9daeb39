'use strict'
// The operation catalog (core catalog.rs): every operation of Procore's REST API description.

const { native } = require('./native')

/** The operations whose id, path, summary or tag contain every word, best first. */
function search(words, limit) {
  if (typeof words !== 'string') throw new TypeError('catalog.search(words): words must be a string')
  return JSON.parse(native.catalogSearch(words, limit ?? undefined))
}

/** The operation with this id (or, failing that, with this id ignoring case), or null. */
function operation(id) {
  if (typeof id !== 'string') throw new TypeError('catalog.operation(id): id must be a string')
  const text = native.catalogOperation(id)
  return text == null ? null : JSON.parse(text)
}

module.exports = { search, operation }
