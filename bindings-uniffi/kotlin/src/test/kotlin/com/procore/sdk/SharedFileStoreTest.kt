package com.procore.sdk

import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.Test
import java.io.File
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * Four JVMs x 32 coroutines on one FileTokenStore (the core's, with its OS lock), across
 * several expiries of 3-second tokens: one refresh per expiry among all of them, and no
 * refresh token is ever used twice (the simulator would answer `invalid_grant`).
 */
class SharedFileStoreTest {
    @Test fun `four JVMs share the core's file store and refresh once per expiry`() = fourJvms("core")

    @Test fun `four JVMs share a Kotlin store that offers the lock and refresh once per expiry`() = fourJvms("kotlin")

    private fun fourJvms(kind: String) {
        Simulator().use { sim ->
            val ttl = 3L
            sim.configure("""{"access_token_ttl":$ttl}""")
            val dir = Files.createTempDirectory("procore-jvms").toFile()
            val store = File(dir, "tokens.json")
            runBlocking { storeOf(kind, store.path).save(sim.expiredTokens()) }
            sim.reset()

            val runMs = 8_000L
            val java = ProcessHandle.current().info().command().orElse("java")
            val started = System.currentTimeMillis()
            val workers = (1..4).map {
                ProcessBuilder(
                    java, "-cp", System.getProperty("java.class.path"),
                    "-Djna.library.path=" + System.getProperty("jna.library.path"),
                    "com.procore.sdk.SharedFileStoreTestKt", kind, sim.baseUrl, store.path, runMs.toString(), "32",
                ).redirectErrorStream(true).start()
            }
            val outputs = workers.map { p ->
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "a worker did not finish")
                p.inputStream.bufferedReader().readText().trim().also { assertEquals(0, p.exitValue(), it) }
            }
            val elapsed = System.currentTimeMillis() - started
            val calls = outputs.sumOf { out -> out.lines().last().removePrefix("ok ").toLong() }
            val c = sim.counters()
            val refreshes = c["token_calls"]!!.jsonObject["refresh_token"]!!.jsonPrimitive.long
            val errors = c["token_errors"]!!.jsonPrimitive.long
            // The first refresh (the set starts expired) and one per expiry over the whole run
            // (JVMs start a little apart): a 3 s token refreshed 0.5 s early lasts at least 2.5 s.
            val expiries = elapsed / 2_500 + 1
            println("$kind store: $calls calls by 4 JVMs, $refreshes refreshes, $errors token errors")
            assertTrue(calls > 100, "the workers made calls: $calls")
            assertEquals(0L, errors, "no spent refresh token was sent again ($outputs)")
            assertTrue(refreshes in 2..(expiries + 1), "one refresh per expiry: $refreshes for about $expiries expiries")
            dir.deleteRecursively()
        }
    }
}

/** One JVM of the test above: `coroutines` loops of GET /me for `runMs`; prints `ok <calls>`. */
fun main(args: Array<String>) {
    runWorker(args)
    kotlin.system.exitProcess(0)
}

private fun runWorker(args: Array<String>) = runBlocking {
    val (kind, baseUrl, path, runMs) = args
    val coroutines = args[4]
    val options = ClientOptions(baseUrl = baseUrl, rateLimit = false, refreshSkewMs = 500uL, sdkLanguage = "kotlin")
    val client = Client.withStoredTokens(options, Simulator.CLIENT_ID, Simulator.CLIENT_SECRET, storeOf(kind, path))
    val until = System.currentTimeMillis() + runMs.toLong()
    val calls = coroutineScope {
        (1..coroutines.toInt()).map {
            async {
                var n = 0L
                while (System.currentTimeMillis() < until) {
                    client.get("me", RequestOptions(companyId = Simulator.SMALL))
                    n++
                }
                n
            }
        }.awaitAll().sum()
    }
    println("ok $calls")
}

fun storeOf(kind: String, path: String): TokenStore = if (kind == "core") FileTokenStore(path) else LockingFileStore(path)

/**
 * A hand-written store as a JVM service might write one (here a file; a database row works the
 * same way): plain load/save, plus `lock()` with an OS file lock, so the core runs the lock
 * step of the rotation protocol across processes.
 */
class LockingFileStore(path: String) : TokenStore {
    private val file = java.io.File(path)
    private val lockFile = java.io.File("$path.kotlin-lock")

    override suspend fun load(): TokenSet? = kotlinx.coroutines.withContext(kotlinx.coroutines.Dispatchers.IO) {
        if (file.exists()) TokenSet.fromJson(file.readText()) else null
    }

    override suspend fun save(tokens: TokenSet) = kotlinx.coroutines.withContext(kotlinx.coroutines.Dispatchers.IO) {
        val tmp = java.io.File(file.path + ".tmp-" + ProcessHandle.current().pid())
        tmp.writeText(tokens.toJson())
        java.nio.file.Files.move(tmp.toPath(), file.toPath(), java.nio.file.StandardCopyOption.ATOMIC_MOVE)
        Unit
    }

    override suspend fun clear() = kotlinx.coroutines.withContext(kotlinx.coroutines.Dispatchers.IO) {
        file.delete()
        Unit
    }

    override suspend fun lock(): StoreLease? = kotlinx.coroutines.withContext(kotlinx.coroutines.Dispatchers.IO) {
        val channel = java.io.RandomAccessFile(lockFile, "rw").channel
        val held = channel.lock()
        StoreLease(object : StoreGuard {
            override suspend fun release() {
                held.release()
                channel.close()
            }
        })
    }
}
