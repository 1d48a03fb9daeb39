'use strict'
// Values in and out of the native layer: options and bodies as JSON text, tokens and
// rate-limit snapshots back as plain objects.

const { configError } = require('./errors')

// ---------------------------------------------------------------------------------------------
// Conversions

/**
 * An options object as JSON text for the native layer (src/options.rs reads it and the core
 * checks it). Non-finite numbers and BigInts become strings so that the core refuses them
 * instead of JSON.stringify turning them into null; URLSearchParams become [key, value] pairs.
 */
function encodeOptions(o, what) {
  if (o === undefined || o === null) return undefined
  if (typeof o !== 'object' || Array.isArray(o)) throw configError(`${what} must be an object`)
  return JSON.stringify(o, replaceValue)
}

function replaceValue(_key, v) {
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v)
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof URLSearchParams) return Array.from(v)
  return v
}

function encodeBody(body) {
  if (body === undefined) return undefined
  const text = JSON.stringify(body, replaceValue)
  if (text === undefined) throw configError('the body cannot be serialized as JSON')
  return text
}

function parseTokens(json) {
  return json == null ? null : JSON.parse(json)
}

function rateLimitOf(r) {
  return r ? { limit: r.limit, remaining: r.remaining, reset: new Date(r.reset * 1000) } : null
}

module.exports = { encodeOptions, encodeBody, parseTokens, rateLimitOf }
