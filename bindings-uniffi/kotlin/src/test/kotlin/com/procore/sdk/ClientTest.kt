package com.procore.sdk

import kotlinx.coroutines.flow.count
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** Constructors, requests and pagination against the simulator. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientTest {
    private lateinit var sim: Simulator

    @BeforeAll fun start() { sim = Simulator() }
    @AfterAll fun stop() { sim.close() }
    @BeforeEach fun reset() { sim.reset() }

    private fun me(r: Response) = r.json().jsonObject

    @Test fun `access token constructor`() = runBlocking<Unit> {
        Client.withAccessToken(sim.config(), Simulator.DEV_TOKEN).use { client ->
            val r = client.get("me")
            assertEquals(200, r.statusCode)
            assertEquals(5000000001L, me(r)["id"]!!.jsonPrimitive.long)
            assertNotNull(r.requestId)
            assertTrue(r.requestId!!.startsWith("sim-"))
            assertEquals(r.requestId, r.headers["x-request-id"])
            assertEquals(1u, r.attempts)
            assertEquals(0L, sim.tokenCalls("total"))
        }
    }

    @Test fun `client credentials constructor`() = runBlocking<Unit> {
        Client.withClientCredentials(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET).use { client ->
            val r = client.get("me", RequestOptions(companyId = Simulator.SMALL))
            assertEquals(5000000002L, me(r)["id"]!!.jsonPrimitive.long, "the service account")
            assertEquals(1L, sim.tokenCalls("client_credentials"))
            assertNull(client.currentTokens()!!.refreshToken())
        }
    }

    @Test fun `refresh token constructor refreshes first and saves to the store`() = runBlocking<Unit> {
        val issued = sim.issueTokens()
        val store = RecordingStore()
        Client.withRefreshToken(
            sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET,
            issued["refresh_token"]!!.jsonPrimitive.content, store,
        ).use { client ->
            assertEquals(200, client.get("me").statusCode)
            assertEquals(1L, sim.tokenCalls())
            assertEquals(1, store.saves.get())
            assertEquals(client.currentTokens()!!.accessToken(), store.current()!!.accessToken())
        }
    }

    @Test fun `tokens and stored-tokens constructors`() = runBlocking<Unit> {
        val tokens = sim.freshTokens()
        Client.withTokens(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET, tokens).use { client ->
            assertEquals(200, client.get("me").statusCode)
            assertEquals(0L, sim.tokenCalls("total"), "a valid set needs no token call")
        }
        val store = RecordingStore(sim.freshTokens())
        Client.withStoredTokens(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET, store).use { client ->
            assertEquals(200, client.get("me").statusCode)
            assertTrue(store.loads.get() >= 1)
        }
        // The bundled MemoryTokenStore works as a store too.
        Client.withStoredTokens(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET, MemoryTokenStore(sim.freshTokens())).use { client ->
            assertEquals(200, client.get("me").statusCode)
        }
        // An empty store: the user has to log in.
        Client.withStoredTokens(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET, RecordingStore()).use { client ->
            assertEquals("reauthorization_required", expectProcore { client.get("me") }.codeName())
        }
    }

    @Test fun `credentials and token sets follow the core rules`() = runBlocking<Unit> {
        // The rules of the core (and so of Python and Node): a refresh-only set is valid, an
        // empty one is a STORE error; empty app credentials are a CONFIG error.
        assertEquals("r", TokenSet("", "r").refreshToken())
        assertEquals(ErrorCode.STORE, expectProcore { TokenSet("", "") }.code())
        assertEquals(ErrorCode.CONFIG, expectProcore { OAuthClient(sim.config(), "", Simulator.CLIENT_SECRET) }.code())
    }

    @Test fun `authorization code helpers`() = runBlocking<Unit> {
        val oauth = OAuthClient(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET)
        val req = oauth.authorizeUrl("http://127.0.0.1:8765/callback")
        assertNotNull(req.pkceVerifier())
        assertFalse(req.toString().contains(req.pkceVerifier()!!), "the verifier is not in toString")
        val q = sim.authorize(req.url())
        assertEquals(req.state(), q["state"])
        // A forged state is refused before any token call.
        val e = expectProcore { oauth.exchangeCode(req, q["code"]!!, "forged") }
        assertEquals(ErrorCode.STATE_MISMATCH, e.code())
        assertEquals(0L, sim.tokenCalls("total"))
        // Rebuilt from its parts (as after an app restart), the request still works.
        val again = AuthorizationRequest.fromParts(req.url(), req.state(), req.redirectUri(), req.pkceVerifier())
        val tokens = oauth.exchangeCode(again, q["code"]!!, q["state"]!!)
        assertNotNull(tokens.refreshToken())
        assertFalse(tokens.toString().contains(tokens.accessToken()), "toString never shows a token")
        assertEquals(1L, sim.tokenCalls("authorization_code"))
        val store = RecordingStore()
        Client.withTokens(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET, tokens, store).use { client ->
            assertEquals(5000000001L, me(client.get("me"))["id"]!!.jsonPrimitive.long)
            val info = parseJson(client.tokenInfo()).jsonObject
            assertEquals(5000000001L, info["resource_owner_id"]!!.jsonPrimitive.long)
            client.revoke()
            assertNull(store.current(), "logout clears the store")
            assertEquals("reauthorization_required", expectProcore { client.get("me") }.codeName())
        }
        assertEquals("urn:ietf:wg:oauth:2.0:oob", oobRedirectUri())
    }

    @Test fun `requests with query, company, bodies and every method`() = runBlocking<Unit> {
        Client.withAccessToken(sim.config(companyId = Simulator.BIG_BUILD), Simulator.DEV_TOKEN).use { client ->
            val projects = client.get(
                "projects",
                RequestOptions(query = query("company_id" to 8089, "filters[active]" to true), companyId = Simulator.SMALL),
            )
            val ids = projects.json().jsonArray.map { it.jsonObject["id"]!!.jsonPrimitive.long }
            assertEquals(listOf(3001L, 3002L), ids)

            val created = client.post(
                "projects/100001/rfis",
                """{"rfi":{"subject":"Door swing","question":{"body":"Which way?"}}}""",
            )
            assertEquals(201, created.statusCode)
            val rfi = created.json().jsonObject
            val id = rfi["id"]!!.jsonPrimitive.long
            assertTrue(id > 4294967296L, "ids above 2^32 stay exact")
            assertEquals("draft", rfi["status"]!!.jsonPrimitive.content)

            val patched = client.patch("projects/100001/rfis/$id", """{"rfi":{"status":"open"}}""")
            assertEquals("open", patched.json().jsonObject["status"]!!.jsonPrimitive.content)
            val put = client.put("projects/100001/rfis/$id", """{"rfi":{"subject":"Door swing (2)"}}""")
            assertEquals("Door swing (2)", put.json().jsonObject["subject"]!!.jsonPrimitive.content)
            val got = client.request("get", "/rest/v1.0/projects/100001/rfis/$id")
            assertEquals("open", got.json().jsonObject["status"]!!.jsonPrimitive.content)
            assertEquals(204, client.delete("projects/100001/rfis/$id").statusCode)
            assertEquals("not_found", expectProcore { client.get("projects/100001/rfis/$id") }.codeName())

            // v2 with string ids and a per-call version.
            val people = client.get("companies/31337/people", RequestOptions(version = "v2.0"))
            assertEquals(10, people.json().jsonObject["data"]!!.jsonArray.size)
        }
    }

    @Test fun `rate limit snapshot is reported`() = runBlocking<Unit> {
        Simulator("--hourly-limit", "1000").use { limited ->
            Client.withAccessToken(limited.config(), Simulator.DEV_TOKEN).use { client ->
                val r = client.get("me")
                val rl = assertNotNull(r.rateLimit)
                assertTrue(rl.limit > 0u)
                assertTrue(rl.remaining < rl.limit)
                assertTrue(rl.resetUnix > System.currentTimeMillis() / 1000 - 1)
            }
        }
    }

    @Test fun `pagination walks all 2500 projects with a flow`() = runBlocking<Unit> {
        Client.withAccessToken(sim.config(companyId = Simulator.BIG_BUILD), Simulator.DEV_TOKEN).use { client ->
            val opts = PaginateOptions(query = query("company_id" to 31337), perPage = 300u)
            val pages = client.pages("projects", opts).toList()
            assertEquals(9, pages.size)
            assertEquals((1..9).toList(), pages.map { it.number.toInt() })
            assertEquals(2500uL, pages.first().total)
            assertTrue(pages.dropLast(1).all { it.hasNext })
            assertFalse(pages.last().hasNext)
            val ids = client.items("projects", opts).map { it.jsonObject["id"]!!.jsonPrimitive.long }.toList()
            assertEquals(2500, ids.size)
            assertEquals((100001L..102500L).toList(), ids)
            assertEquals(18L, sim.counters()["requests_by_route"]!!.jsonObject["GET /rest/v1.0/projects"]!!.jsonPrimitive.long)
        }
    }

    @Test fun `page cursor by hand, max items and v2`() = runBlocking<Unit> {
        Client.withAccessToken(sim.config(), Simulator.DEV_TOKEN).use { client ->
            val cursor = client.paginate(
                "companies/31337/people",
                PaginateOptions(version = "v2.0", perPage = 100u, maxItems = 150uL, companyId = Simulator.BIG_BUILD),
            )
            assertFalse(cursor.isDone())
            val first = assertNotNull(cursor.nextPage())
            assertEquals(100, first.items.size)
            assertEquals("7100000001", parseJson(first.items[0]).jsonObject["id"]!!.jsonPrimitive.content)
            val second = assertNotNull(cursor.nextPage())
            assertEquals(50, second.items.size)
            assertNull(cursor.nextPage())
            assertTrue(cursor.isDone())
            cursor.close()
            // The cursor's flow.
            val n = client.paginate("companies/31337/people", PaginateOptions(version = "v2.0", perPage = 100u, companyId = Simulator.BIG_BUILD))
                .pages().count()
            assertEquals(3, n)
        }
    }

    @Test fun `the example runs`() {
        val out = java.io.ByteArrayOutputStream()
        val old = System.out
        System.setOut(java.io.PrintStream(out, true))
        try {
            com.procore.examples.main(arrayOf(sim.baseUrl))
        } finally {
            System.setOut(old)
        }
        val text = out.toString()
        assertTrue(text.contains("Dev Eloper"), text)
        assertTrue(text.contains("2500 projects"), text)
        assertNotEquals(-1, text.indexOf("not_found"), text)
    }
}
