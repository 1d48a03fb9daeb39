package com.procore.sdk

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull

/** The core's Redis store from Kotlin, against a real redis-server on a free loopback port. */
class RedisStoreTest {
    @Test fun `a client rotates through Redis and a second one adopts the set`() = runBlocking<Unit> {
        val port = java.net.ServerSocket(0).use { it.localPort }
        val redis = ProcessBuilder("redis-server", "--port", "$port", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start()
        try {
            val until = System.currentTimeMillis() + 10_000
            while (runCatching { java.net.Socket("127.0.0.1", port).close() }.isFailure) {
                check(System.currentTimeMillis() < until) { "redis-server did not start" }
                Thread.sleep(20)
            }
            Simulator().use { sim ->
                val prefix = redisKeyPrefix("local", Simulator.CLIENT_ID, "user-1")
                val store = RedisTokenStore("redis://127.0.0.1:$port", prefix)
                assertNull(store.load())
                store.save(sim.expiredTokens())
                Client.withStoredTokens(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET, store).use { c ->
                    assertEquals(200, c.get("me").statusCode)
                }
                assertEquals(1uL, store.load()!!.version())
                val other = RedisTokenStore("redis://127.0.0.1:$port", prefix)
                Client.withStoredTokens(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET, other).use { c ->
                    assertEquals(200, c.get("me").statusCode)
                }
                assertEquals(1L, sim.tokenCalls())
                val e = expectProcore { RedisTokenStore("http://user:hunter2@host", "p") }
                assertEquals(ErrorCode.CONFIG, e.code())
                assertFalse(e.reason().contains("hunter2"))
                // The rate budget shared in Redis (rateBudget): its state appears there.
                fun budgetKeys() = ProcessBuilder("redis-cli", "-p", "$port", "--scan", "--pattern", "procore:budget:*")
                    .start().inputStream.bufferedReader().readText().split(Regex("\\s+")).filter { it.isNotEmpty() }
                assertEquals(emptyList(), budgetKeys())
                Client.withAccessToken(sim.config().copy(rateBudget = "redis://127.0.0.1:$port"), Simulator.DEV_TOKEN).use { c ->
                    assertEquals(200, c.get("me").statusCode)
                }
                check(budgetKeys().any { it.endsWith(":state") }) { budgetKeys().toString() }
                val bad = expectProcore { Client.withAccessToken(sim.config().copy(rateBudget = "http://user:hunter2@host"), Simulator.DEV_TOKEN) }
                assertEquals(ErrorCode.CONFIG, bad.code())
                assertFalse(bad.reason().contains("hunter2"))
            }
        } finally {
            redis.destroy()
            redis.waitFor()
        }
    }
}
