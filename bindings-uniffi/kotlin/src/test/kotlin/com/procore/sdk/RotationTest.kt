package com.procore.sdk

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/** Token rotation through a Kotlin TokenStore: saves, single flight, cancellation. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RotationTest {
    private lateinit var sim: Simulator

    @BeforeAll fun start() { sim = Simulator() }
    @AfterAll fun stop() { sim.close() }
    @BeforeEach fun reset() { sim.reset() }

    private fun userClient(tokens: TokenSet, store: TokenStore) =
        Client.withTokens(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET, tokens, store)

    /** Waits (bounded) until `cond` holds, polling the simulator's state. */
    private suspend fun eventually(what: String, cond: () -> Boolean) {
        withTimeout(10_000) {
            while (!cond()) delay(10)
        }
        assertTrue(cond(), what)
    }

    @Test fun `a Kotlin store is called on rotation and receives the new tokens`() = runBlocking<Unit> {
        val old = sim.expiredTokens()
        val oldAccess = old.accessToken()
        val oldRefresh = old.refreshToken()!!
        val store = RecordingStore()
        userClient(old, store).use { client ->
            assertEquals(200, client.get("me").statusCode)
            assertEquals(1L, sim.tokenCalls())
            // The given set is saved first (version 0), then the rotated one (version 1).
            assertEquals(listOf(0uL, 1uL), store.saved.map { it.version() }, "saved once on rotation")
            val saved = store.saved.last()
            assertEquals(1uL, saved.version())
            assertNotEquals(oldAccess, saved.accessToken())
            assertNotEquals(oldRefresh, saved.refreshToken())
            assertTrue(saved.expiresAtUnix()!! > System.currentTimeMillis() / 1000)
            // The saved set is the one the client uses, and it really works at the server.
            assertEquals(client.currentTokens()!!.accessToken(), saved.accessToken())
            assertEquals(200, sim.statusWithToken("/rest/v1.0/me", saved.accessToken()))
            assertEquals(401, sim.statusWithToken("/rest/v1.0/me", oldAccess), "the old access token was revoked by the rotation")

            // A revoked access token: one more rotation, saved again.
            sim.revokeAccessTokens()
            assertEquals(200, client.get("me").statusCode)
            assertEquals(listOf(0uL, 1uL, 2uL), store.saved.map { it.version() })
            assertEquals(2uL, store.current()!!.version())
            assertEquals(2L, sim.tokenCalls())
        }
        // A new client on the same store (the next app start) uses the saved set, no token call.
        Client.withStoredTokens(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET, store).use { client ->
            assertEquals(200, client.get("me").statusCode)
            assertEquals(2L, sim.tokenCalls())
        }
    }

    @Test fun `100 concurrent coroutines at token expiry refresh exactly once`() = runBlocking<Unit> {
        val store = RecordingStore()
        userClient(sim.expiredTokens(), store).use { client ->
            val statuses = coroutineScope {
                (1..100).map { async(Dispatchers.Default) { client.get("me").statusCode } }.awaitAll()
            }
            assertEquals(List(100) { 200 }, statuses)
            assertEquals(1L, sim.tokenCalls())
            assertEquals(1L, sim.tokenCalls("total"))
            assertEquals(listOf(0uL, 1uL), store.saved.map { it.version() }, "one rotation saved")
            assertEquals(1uL, store.current()!!.version())
            assertEquals(client.currentTokens()!!.accessToken(), store.current()!!.accessToken())
        }
    }

    @Test fun `cancelling a coroutine mid-refresh leaves the client usable and the store intact`() = runBlocking<Unit> {
        val store = RecordingStore()
        val old = sim.expiredTokens()
        userClient(old, store).use { client ->
            sim.addFault("""{"kind":"latency","ms":600,"count":1,"path_prefix":"/oauth/token"}""")
            val job = launch(Dispatchers.Default) { client.get("me") }
            // The token call has reached the simulator (its latency fault was used up).
            eventually("the refresh is in flight") { sim.pendingFaultUses() == 0L }
            assertEquals(0L, sim.tokenCalls(), "the token endpoint is still answering slowly")
            job.cancel()
            job.join()
            assertTrue(job.isCancelled)
            // The refresh goes on in its own task and completes without the cancelled caller.
            eventually("the refresh completed") { sim.tokenCalls() == 1L && store.current()?.version() == 1uL }

            // The client still works and the rotation was not lost: no second refresh.
            assertEquals(200, client.get("me").statusCode)
            assertEquals(1L, sim.tokenCalls())
            val stored = assertNotNull(store.current())
            assertEquals(1uL, stored.version())
            assertEquals(client.currentTokens()!!.accessToken(), stored.accessToken())
            assertEquals(200, sim.statusWithToken("/rest/v1.0/me", stored.accessToken()))
        }
    }

    @Test fun `cancelling a coroutine mid-request leaves the client usable and the store intact`() = runBlocking<Unit> {
        val store = RecordingStore()
        userClient(sim.freshTokens(), store).use { client ->
            assertEquals(200, client.get("me").statusCode)
            val before = store.json
            val savesBefore = store.saves.get()
            sim.addFault("""{"kind":"latency","ms":2000,"count":1}""")
            val started = System.nanoTime()
            val job = async(Dispatchers.Default) { client.get("me") }
            eventually("the request is in flight") { sim.pendingFaultUses() == 0L }
            job.cancel()
            val thrown = runCatching { job.await() }.exceptionOrNull()
            assertTrue(thrown is CancellationException, "the call ends with a cancellation: $thrown")
            assertTrue((System.nanoTime() - started) / 1_000_000 < 2000, "cancellation did not wait for the answer")

            // Usable at once, same tokens, nothing written to the store.
            sim.clearFaults()
            assertEquals(200, client.get("me").statusCode)
            assertEquals(before, store.json)
            assertEquals(savesBefore, store.saves.get())
            assertEquals(0L, sim.tokenCalls("total"))
            // Many cancellations in a row do not wedge anything either.
            repeat(20) {
                val j = launch(Dispatchers.Default) { client.get("me") }
                j.cancel()
                j.join()
            }
            assertEquals(200, client.get("me").statusCode)
        }
    }
}
