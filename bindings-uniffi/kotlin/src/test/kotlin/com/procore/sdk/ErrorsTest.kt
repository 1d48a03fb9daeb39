package com.procore.sdk

import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertIs
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/** Every stable error code of the core arrives as a Kotlin exception carrying that code. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorsTest {
    private lateinit var sim: Simulator
    private val seen = java.util.concurrent.ConcurrentHashMap.newKeySet<String>()

    @BeforeAll fun start() { sim = Simulator() }
    @AfterAll fun stop() {
        sim.close()
        // Every code of the core was produced by one of the tests below.
        assertEquals(errorCodes().map { it.name.lowercase() }.toSet(), seen.toSet())
    }
    @BeforeEach fun reset() { sim.reset() }

    private fun dev(companyId: ULong? = Simulator.SMALL, maxAttempts: UInt? = null, requestTimeoutMs: ULong? = null) =
        Client.withAccessToken(sim.config(companyId, maxAttempts, requestTimeoutMs), Simulator.DEV_TOKEN)

    /** Checks the exception's code (enum, string, Kotlin property) and records it. */
    private fun check(code: String, e: ProcoreException): ProcoreException {
        assertEquals(code, e.codeName(), "expected $code, got $e")
        assertEquals(e.code(), e.kind)
        assertEquals(ErrorCode.valueOf(code.uppercase()), e.code())
        assertTrue(e.toString().isNotBlank())
        seen.add(code)
        return e
    }

    @Test fun `the code list is the core's`() {
        assertEquals(19, errorCodes().size)
        assertEquals(ErrorCode.UNAUTHORIZED, errorCodes().first())
        assertEquals(ErrorCode.entries.toSet(), errorCodes().toSet())
    }

    @Test fun upload() = runBlocking<Unit> {
        sim.addFault("""{"kind": "corrupt", "count": null}""")
        val c = Client.withAccessToken(sim.config(companyId = 31337uL), Simulator.DEV_TOKEN)
        val e = check("upload", expectProcore { c.uploadBytes(ByteArray(1000) { 7 }, UploadOptions(fileName = "a.bin", retries = 0u)) })
        assertEquals(400, e.httpStatus)
        assertEquals(1u, e.uploadFailure()!!.attempts)
    }

    @Test fun unauthorized() = runBlocking<Unit> {
        val c = Client.withAccessToken(sim.config(), "not-a-token")
        val e = check("unauthorized", expectProcore { c.get("me") })
        assertEquals(401, e.httpStatus)
        assertNotNull(e.requestId())
        assertFalse(e.toString().contains("not-a-token") || e.reason().contains("not-a-token"), "the token is never in an error")
    }

    @Test fun `reauthorization required`() = runBlocking<Unit> {
        val c = Client.withRefreshToken(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET, "burnt-refresh-token")
        check("reauthorization_required", expectProcore { c.get("me") })
        assertEquals(1L, sim.tokenCalls())
    }

    @Test fun forbidden() = runBlocking<Unit> {
        sim.addFault("""{"kind":"status","status":403,"body":"{\"message\":\"You do not have access\"}"}""")
        val e = check("forbidden", expectProcore { dev().get("me") })
        assertEquals(403, e.httpStatus)
        assertEquals("""{"message":"You do not have access"}""", e.body())
    }

    @Test fun `app not connected`() = runBlocking<Unit> {
        val e = check("app_not_connected", expectProcore { dev(companyId = 666uL).get("me") })
        assertEquals(403, e.httpStatus)
    }

    @Test fun `not found`() = runBlocking<Unit> {
        val e = check("not_found", expectProcore { dev().get("projects/999") })
        assertEquals(404, e.httpStatus)
    }

    @Test fun validation() = runBlocking<Unit> {
        val e = check("validation", expectProcore {
            dev(companyId = Simulator.BIG_BUILD).post("projects/100001/rfis", """{"rfi":{"question":{"body":"?"}}}""")
        })
        assertEquals(422, e.httpStatus)
        assertEquals(listOf("can't be blank"), e.validationErrors()["subject"])
    }

    @Test fun `bad request`() = runBlocking<Unit> {
        val e = check("bad_request", expectProcore {
            dev().get("projects", RequestOptions(withoutCompany = true, query = query("company_id" to 8089)))
        })
        assertEquals(400, e.httpStatus)
    }

    @Test fun `rate limited`() = runBlocking<Unit> {
        // Its own simulator: the core shares one rate budget (and its pause after a 429) among
        // every client of the same origin and credentials in the process.
        Simulator().use { own ->
            own.addFault("""{"kind":"rate_limit_storm","seconds":3}""")
            val c = Client.withAccessToken(own.config(Simulator.SMALL, rateLimitMaxWaitMs = 50uL), Simulator.DEV_TOKEN)
            val started = System.nanoTime()
            val e = check("rate_limited", expectProcore { c.get("me") })
            assertTrue((System.nanoTime() - started) / 1_000_000 < 2500, "failed fast instead of waiting out the storm")
            val at = assertNotNull(e.retryAtUnix())
            assertTrue(at >= System.currentTimeMillis() / 1000, "retry time is in the future: $at")
        }
    }

    @Test fun server() = runBlocking<Unit> {
        sim.addFault("""{"kind":"status","status":500,"count":3}""")
        val e = check("server", expectProcore { dev(maxAttempts = 2u).get("me") })
        assertEquals(500, e.httpStatus)
        assertEquals(2L, sim.counters()["responses_by_status"].toString().let { Regex("\"500\":(\\d+)").find(it)!!.groupValues[1].toLong() })
    }

    @Test fun http() = runBlocking<Unit> {
        sim.addFault("""{"kind":"status","status":409}""")
        val e = check("http", expectProcore { dev().get("me") })
        assertEquals(409, e.httpStatus)
    }

    @Test fun timeout() = runBlocking<Unit> {
        sim.addFault("""{"kind":"latency","ms":3000,"count":1}""")
        check("timeout", expectProcore { dev(maxAttempts = 1u, requestTimeoutMs = 200uL).get("me") })
    }

    @Test fun network() = runBlocking<Unit> {
        val port = java.net.ServerSocket(0).use { it.localPort } // closed again: refused
        val c = Client.withAccessToken(ClientOptions(baseUrl = "http://127.0.0.1:$port", maxAttempts = 1u), Simulator.DEV_TOKEN)
        check("network", expectProcore { c.get("me") })
    }

    @Test fun config() = runBlocking<Unit> {
        check("config", expectProcore { Client.withAccessToken(ClientOptions(baseUrl = "ftp://example"), "t") })
        check("config", expectProcore { Client.withAccessToken(ClientOptions(), "") })
        check("config", expectProcore { dev().post("projects/1/rfis", "{not json") })
        check("config", expectProcore { dev().request("FETCH", "me") })
        // A corrupt stored set is a store error, not a config error.
        assertEquals("store", expectProcore { TokenSet.fromJson("{}") }.codeName())
        // A closed (shut down) client refuses calls with the SDK's config error.
        val closed = dev()
        closed.shutdown()
        check("config", expectProcore { closed.get("me") })
        // And after close(): the SDK's config error, not the generated code's IllegalStateException.
        val gone = dev()
        gone.close()
        gone.close()
        check("config", expectProcore { gone.get("me") })
        check("config", expectProcore { gone.paginate("projects").nextPage() })
        Unit
    }

    @Test fun decode() = runBlocking<Unit> {
        sim.addFault("""{"kind":"malformed","content_type":"text/html","body":"<html>proxy</html>"}""")
        val c = dev(companyId = Simulator.BIG_BUILD)
        val e = check("decode", expectProcore { c.pages("projects", PaginateOptions(query = query("company_id" to 31337))).toList() })
        assertTrue(e.reason().contains("HTML"), e.reason())
    }

    @Test fun oauth() = runBlocking<Unit> {
        val c = Client.withClientCredentials(sim.config(), Simulator.CLIENT_ID, "wrong-secret")
        val e = check("oauth", expectProcore { c.get("me", RequestOptions(companyId = Simulator.SMALL)) })
        assertTrue(e.reason().contains("invalid_client"), e.reason())
        assertEquals("invalid_client", e.oauthError())
        assertFalse(e.toString().contains("wrong-secret"), "the secret is never in an error")
    }

    @Test fun `store errors from a Kotlin store, typed or not`() = runBlocking<Unit> {
        for (typed in listOf(true, false)) {
            val c = Client.withStoredTokens(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET, FailingStore(typed))
            val e = check("store", expectProcore { c.get("me") })
            if (typed) assertTrue(e.reason().contains("keystore locked"), e.reason())
            else assertTrue(e.reason().contains("disk on fire"), e.reason())
        }
    }

    @Test fun `state mismatch`() = runBlocking<Unit> {
        val oauth = OAuthClient(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET)
        val req = oauth.authorizeUrl(oobRedirectUri(), false)
        check("state_mismatch", expectProcore { oauth.exchangeCode(req, "code", "other-state") })
    }

    @Test fun `invalid call`() = runBlocking<Unit> {
        dev().use { c ->
            val e = check("invalid_call", expectProcore { c.call("RestV10ProjectsProjectIdRfisPost") })
            assertEquals(listOf("is required"), e.validationErrors()["path.project_id"])
        }
    }
}
