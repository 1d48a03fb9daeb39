package com.procore.sdk

import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import java.util.concurrent.atomic.AtomicInteger

/** A token set from the simulator that the client must treat as expired now. */
fun Simulator.expiredTokens(): TokenSet {
    val t = issueTokens(3600)
    return TokenSet(
        accessToken = t["access_token"]!!.jsonPrimitive.content,
        refreshToken = t["refresh_token"]!!.jsonPrimitive.content,
        expiresAtUnix = System.currentTimeMillis() / 1000 - 1,
    )
}

/** A fresh token set from the simulator, valid for `ttl` seconds. */
fun Simulator.freshTokens(ttl: Long = 3600): TokenSet {
    val t = issueTokens(ttl)
    return TokenSet(
        accessToken = t["access_token"]!!.jsonPrimitive.content,
        refreshToken = t["refresh_token"]!!.jsonPrimitive.content,
        expiresAtUnix = System.currentTimeMillis() / 1000 + t["expires_in"]!!.jsonPrimitive.long,
    )
}

/** A Kotlin token store that records every call (as an app's Keystore-backed store would). */
class RecordingStore(initial: TokenSet? = null) : TokenStore {
    private val lock = Mutex()
    @Volatile var json: String? = initial?.toJson()
    val loads = AtomicInteger()
    val saves = AtomicInteger()
    val clears = AtomicInteger()
    val saved = java.util.concurrent.CopyOnWriteArrayList<TokenSet>()

    override suspend fun load(): TokenSet? = lock.withLock {
        loads.incrementAndGet()
        json?.let { TokenSet.fromJson(it) }
    }

    override suspend fun save(tokens: TokenSet) = lock.withLock {
        saves.incrementAndGet()
        saved.add(tokens)
        json = tokens.toJson()
    }

    override suspend fun clear() = lock.withLock {
        clears.incrementAndGet()
        json = null
    }

    override suspend fun lock(): StoreLease? = null

    fun current(): TokenSet? = json?.let { TokenSet.fromJson(it) }
}

/** A store that fails: with a StoreException, or with any other exception. */
class FailingStore(private val typed: Boolean) : TokenStore {
    private fun fail(): Nothing =
        if (typed) throw tokenStoreError("keystore locked") else throw java.io.IOException("disk on fire")

    override suspend fun load(): TokenSet? = fail()
    override suspend fun save(tokens: TokenSet) = fail()
    override suspend fun clear() = fail()
    override suspend fun lock(): StoreLease? = null
}

/** Runs `block` and returns the ProcoreException it threw (fails if it threw none). */
suspend fun expectProcore(block: suspend () -> Unit): ProcoreException {
    try {
        block()
    } catch (e: ProcoreException) {
        return e
    }
    throw AssertionError("expected a ProcoreException")
}
