'use strict'
// Responses (JSON.parse on demand) and pagination (an async iterator over the native cursor).

const { DecodeError, sync, settle } = require('./errors')
const { encodeOptions, rateLimitOf } = require('./convert')

// ---------------------------------------------------------------------------------------------
// Responses and pagination

class Response {
  #text
  #utf8
  #json
  #parsed = false
  #headerText
  #headers = null
  #nativeRateLimit
  #rateLimit
  constructor(n) {
    this.status = n.status
    this.requestId = n.requestId ?? null
    this.attempts = n.attempts
    this.waitedMs = n.waitedMs
    this.#text = n.text
    this.#utf8 = n.utf8
    this.#headerText = n.headerText
    this.#nativeRateLimit = n.rateLimit
  }
  // Built when first read: most callers only want the status and the body.
  /** Lower-case header names; repeated headers joined with ", ". */
  get headers() {
    if (this.#headers === null) {
      const parts = this.#headerText.split('\0')
      const headers = {}
      for (let i = 0; i + 1 < parts.length; i += 2) headers[parts[i]] = parts[i + 1]
      this.#headers = headers
    }
    return this.#headers
  }
  get rateLimit() {
    if (this.#rateLimit === undefined) this.#rateLimit = rateLimitOf(this.#nativeRateLimit)
    return this.#rateLimit
  }
  get ok() {
    return this.status >= 200 && this.status < 300
  }
  header(name) {
    const key = String(name).toLowerCase()
    return Object.hasOwn(this.headers, key) ? this.headers[key] : null
  }
  text() {
    return this.#text
  }
  /** The body parsed by JSON.parse (null for an empty body); a DecodeError if it is not JSON. */
  json() {
    if (!this.#parsed) {
      if (!this.#utf8) {
        throw new DecodeError({
          code: 'decode',
          status: this.status,
          requestId: this.requestId,
          message: `could not decode the answer (HTTP ${this.status}): the body is not valid UTF-8`,
        })
      }
      try {
        this.#json = this.#text.trim() === '' ? null : JSON.parse(this.#text)
      } catch (e) {
        const excerpt = this.#text.slice(0, 120)
        const err = new DecodeError({
          code: 'decode',
          status: this.status,
          requestId: this.requestId,
          message: `could not decode the answer (HTTP ${this.status}): ${e.message}; body starts: ${JSON.stringify(excerpt)}`,
        })
        err.cause = e
        throw err
      }
      this.#parsed = true
    }
    return this.#json
  }
}

// A page's items are taken from the cursor as JSON array texts (small strings V8 frees young),
// in order, after `nextPage()` resolved.
function pageItems(cursor) {
  const items = []
  for (let text = cursor.nextChunk(); text !== null; text = cursor.nextChunk()) {
    for (const item of JSON.parse(text)) items.push(item)
  }
  return items
}

function toPage(p, cursor) {
  return {
    items: pageItems(cursor),
    number: p.number,
    total: p.total ?? null,
    perPage: p.perPage ?? null,
    hasNext: p.hasNext,
    rateLimit: rateLimitOf(p.rateLimit),
    requestId: p.requestId ?? null,
  }
}

class Paginator {
  #client
  #path
  #options
  constructor(client, path, options) {
    this.#client = client
    this.#path = path
    this.#options = encodeOptions(options, 'paginate options')
  }
  /** Pages in order; each walk starts a new native cursor. */
  async *pages() {
    const cursor = sync(() => this.#client.pageCursor(this.#path, this.#options))
    try {
      for (;;) {
        const page = await settle(cursor.nextPage())
        if (page === null) return
        yield toPage(page, cursor)
      }
    } finally {
      cursor.close()
    }
  }
  /**
   * Items in order. Each item is let go once handed out, so a walk holds at most one page
   * (and the next one being fetched).
   */
  [Symbol.asyncIterator]() {
    // A hand-written iterator rather than an async generator: a generator costs several
    // promises and objects per item, which at 100,000 items grew V8's heap by about 7 MiB
    // (Node 20). Items are parsed one JSON chunk at a time, each taken from the cursor only
    // when the one before is used up, and each slot is cleared once handed out, so V8 holds
    // one chunk at a time and reclaims it as the caller moves on.
    const cursor = sync(() => this.#client.pageCursor(this.#path, this.#options))
    let items = []
    let i = 0
    let ended = false
    const item = () => {
      const value = items[i]
      items[i++] = undefined
      return { value, done: false }
    }
    // Parses the next chunk of this page, if any: true when it has items.
    const nextChunk = () => {
      for (let text = cursor.nextChunk(); text !== null; text = cursor.nextChunk()) {
        items = JSON.parse(text)
        i = 0
        if (items.length > 0) return true
      }
      return false
    }
    const finish = () => {
      ended = true
      items = []
      cursor.close()
      return { value: undefined, done: true }
    }
    const fetchNext = async () => {
      for (;;) {
        const page = await settle(cursor.nextPage())
        if (page === null) return finish()
        if (nextChunk()) return item()
      }
    }
    return {
      next() {
        if (i < items.length || (!ended && nextChunk())) return Promise.resolve(item())
        if (ended) return Promise.resolve({ value: undefined, done: true })
        return fetchNext()
      },
      // A walk given up (break, return, throw in the loop) stops its page in flight.
      return() {
        return Promise.resolve(ended ? { value: undefined, done: true } : finish())
      },
      [Symbol.asyncIterator]() {
        return this
      },
    }
  }
  /** Every item in one array (for small collections). */
  async toArray() {
    const all = []
    for await (const page of this.pages()) for (const item of page.items) all.push(item)
    return all
  }
}

module.exports = { Response, Paginator }
