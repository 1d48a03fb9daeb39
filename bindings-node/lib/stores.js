'use strict'
// Token stores: the core's memory and file stores, and any object with load()/save() (and
// optionally clear() and lock()) as a custom store.

const { native } = require('./native')
const { sync, settle, configError } = require('./errors')
const { parseTokens } = require('./convert')

// ---------------------------------------------------------------------------------------------
// Token stores

const NATIVE = Symbol('procore.native')

class MemoryTokenStore {
  constructor() {
    this[NATIVE] = native.NativeTokenStore.memory()
  }
  async load() {
    return parseTokens(await settle(this[NATIVE].load()))
  }
  async save(tokens) {
    await settle(this[NATIVE].save(JSON.stringify(tokens)))
  }
  async clear() {
    await settle(this[NATIVE].clear())
  }
}

class FileTokenStore extends MemoryTokenStore {
  constructor(filePath) {
    super()
    if (typeof filePath !== 'string' || filePath === '') throw configError('FileTokenStore needs a path')
    this.path = filePath
    this[NATIVE] = native.NativeTokenStore.file(filePath)
  }
}

/** Redis: the token set and a lease lock shared by processes and machines (one prefix per token set). */
class RedisTokenStore extends MemoryTokenStore {
  #prefix
  constructor(url, prefix) {
    super()
    if (typeof url !== 'string' || typeof prefix !== 'string') throw configError('RedisTokenStore needs a URL and a key prefix')
    this.#prefix = prefix
    this[NATIVE] = sync(() => native.NativeTokenStore.redis(url, prefix))
  }
  get prefix() {
    return this.#prefix
  }
  /** A key prefix for an environment, an app and a user. */
  static keyPrefix(environment, clientId, user) {
    return native.NativeTokenStore.redisKeyPrefix(String(environment), String(clientId), String(user))
  }
}

/** The native store for a client: built-in stores as they are, any other object wrapped. */
function nativeStore(store) {
  if (store == null) return undefined
  if (store[NATIVE]) return store[NATIVE]
  const leases = new Map()
  let leaseIds = 0
  if (typeof store.load !== 'function' || typeof store.save !== 'function') {
    throw configError('tokenStore must have load() and save(tokens) methods returning promises')
  }
  // The core calls these through weak threadsafe functions (they never keep the process alive).
  return native.NativeTokenStore.custom(
    async () => {
      const tokens = await store.load()
      return tokens == null ? null : JSON.stringify(tokens)
    },
    async (json) => {
      await store.save(JSON.parse(json))
      return null
    },
    async () => {
      if (typeof store.clear === 'function') await store.clear()
      return null
    },
    // An optional cross-process lock: the core holds the lease around a refresh.
    async () => {
      if (typeof store.lock !== 'function') return null
      const lease = await store.lock()
      if (lease == null) return null
      const id = String(++leaseIds)
      leases.set(id, lease)
      return id
    },
    async (id) => {
      const lease = leases.get(id)
      leases.delete(id)
      if (lease && typeof lease.release === 'function') await lease.release()
      return null
    },
  )
}

module.exports = { NATIVE, MemoryTokenStore, FileTokenStore, RedisTokenStore, nativeStore }
