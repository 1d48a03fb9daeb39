package com.procore.sdk

import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.doubleOrNull
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.longOrNull
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.TestInstance
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.test.fail

/**
 * The conformance vectors (tests/conformance/vectors.json) through the Kotlin binding: each call
 * in language-neutral form must put exactly the expected request on the wire (the simulator
 * records it), or fail with the expected code before sending anything. Rust, Python and Node
 * run the same file. Vectors marked `untyped_input` give a value Kotlin's types cannot hold
 * (a negative id for a ULong, ...): they are skipped here, and counted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConformanceTest {
    private val sim = Simulator()
    private val file = parseJson(File("../../tests/conformance/vectors.json").readText()).jsonObject
    private val vectors = file["vectors"]!!.jsonArray.map { it.jsonObject }

    @AfterAll fun stop() { sim.close() }

    private val client: Client by lazy {
        val c = file["client"]!!.jsonObject
        val token = sim.issueTokens()["access_token"]!!.jsonPrimitive.content
        Client(
            ClientOptions(
                accessToken = Secret(token),
                baseUrl = sim.baseUrl,
                companyId = c["company_id"]!!.jsonPrimitive.longOrNull!!.toULong(),
                apiVersion = c["api_version"]!!.jsonPrimitive.content,
                maxAttempts = c["max_attempts"]!!.jsonPrimitive.longOrNull!!.toUInt(),
                rateLimit = c["rate_limit"]!!.jsonPrimitive.booleanOrNull,
            ),
        )
    }

    /** A JSON scalar or list of scalars as a query value. */
    private fun value(e: JsonElement): QueryValue? = when (e) {
        is JsonNull -> null
        is JsonPrimitive -> when {
            e.isString -> QueryValue.Text(e.content)
            e.booleanOrNull != null -> QueryValue.Bool(e.booleanOrNull!!)
            e.longOrNull != null -> QueryValue.Int(e.longOrNull!!)
            else -> QueryValue.Number(e.doubleOrNull!!)
        }
        is JsonArray -> {
            val items = e.map { it.jsonPrimitive }
            if (items.all { !it.isString && it.longOrNull != null }) QueryValue.IntList(items.map { it.longOrNull!! })
            else if (items.any { it !is JsonPrimitive }) error("nested list")
            else QueryValue.TextList(items.map { it.content })
        }
        is JsonObject -> error("maps are spelled with brackets in the name")
    }

    /** The neutral query as Kotlin parameters: nested maps become bracketed names. */
    private fun params(prefix: String?, e: JsonElement, out: MutableList<QueryParam>) {
        when {
            e is JsonObject -> for ((k, v) in e) {
                val name = if (prefix == null) k else "$prefix[$k]"
                if (v is JsonObject) params(name, v, out) else value(v)?.let { out.add(QueryParam(name, it)) }
            }
            e is JsonArray && prefix == null -> for (pair in e) {
                val kv = pair.jsonArray
                value(kv[1])?.let { out.add(QueryParam(kv[0].jsonPrimitive.content, it)) }
            }
            else -> error("unsupported query shape")
        }
    }

    /** Null when the input cannot be spelled in Kotlin's types (counted as skipped). */
    private fun queryOf(o: JsonObject): List<QueryParam>? {
        val q = o["query"] ?: return emptyList()
        val out = mutableListOf<QueryParam>()
        return try { params(null, q, out); out } catch (e: IllegalStateException) { null }
    }

    private fun ulong(o: JsonObject, k: String) = o[k]?.jsonPrimitive?.longOrNull?.toULong()
    private fun uint(o: JsonObject, k: String) = o[k]?.jsonPrimitive?.longOrNull?.toUInt()
    private fun ms(o: JsonObject, k: String) = o[k]?.jsonPrimitive?.doubleOrNull?.let { (it * 1000).toLong().toULong() }

    private suspend fun run(v: JsonObject) {
        val o = v["options"]!!.jsonObject
        val query = queryOf(o) ?: throw SkipVector()
        val path = v["path"]!!.jsonPrimitive.content
        if (v["kind"]!!.jsonPrimitive.content == "paginate") {
            val opts = PaginateOptions(
                query = query, perPage = uint(o, "per_page"), maxItems = ulong(o, "max_items"),
                companyId = ulong(o, "company_id"), withoutCompany = o["without_company"]?.jsonPrimitive?.booleanOrNull,
                version = o["version"]?.jsonPrimitive?.content,
            )
            client.paginate(path, opts).use { it.nextPage() }
        } else {
            val opts = RequestOptions(
                query = query, bodyJson = o["json"]?.toString(), companyId = ulong(o, "company_id"),
                withoutCompany = o["without_company"]?.jsonPrimitive?.booleanOrNull,
                version = o["version"]?.jsonPrimitive?.content, timeoutMs = ms(o, "timeout"),
                maxAttempts = uint(o, "max_attempts"), deadlineMs = ms(o, "deadline"),
            )
            client.request(v["method"]!!.jsonPrimitive.content, path, opts)
        }
    }

    private class SkipVector : Exception()

    @TestFactory fun vectors(): List<DynamicTest> {
        assertTrue(vectors.size >= 30)
        val typed = vectors.filter { it["untyped_input"]?.jsonPrimitive?.booleanOrNull != true }
        assertTrue(typed.size >= 30, "at least 30 vectors run in Kotlin")
        return typed.map { v ->
            DynamicTest.dynamicTest(v["name"]!!.jsonPrimitive.content) { runBlocking { check(v) } }
        }
    }

    private suspend fun check(v: JsonObject) {
        sim.clearRecordedRequests()
        val error = v["error"]?.jsonPrimitive?.content
        if (error != null) {
            val e = try { run(v); null } catch (e: ProcoreException) { e }
            assertEquals(error, e?.codeName(), "expected $error")
            assertEquals("[]", sim.recordedRequests().trim(), "a failing call sent a request")
            return
        }
        try { run(v) } catch (e: ProcoreException) {
            // The answer does not matter here (a 404 is fine), the request does.
            assertTrue(e.code() != ErrorCode.CONFIG, e.reason())
        }
        val got = parseJson(sim.recordedRequests()).jsonArray
        if (got.isEmpty()) fail("nothing reached the simulator")
        val r = got[0].jsonObject
        val want = v["expect"]!!.jsonObject
        assertEquals(want["method"]!!.jsonPrimitive.content, r["method"]!!.jsonPrimitive.content)
        assertEquals(want["path"]!!.jsonPrimitive.content, r["path"]!!.jsonPrimitive.content)
        assertEquals(want["query"], r["query"])
        val headers = linkedMapOf<String, String>()
        for (h in r["headers"]!!.jsonArray) headers.putIfAbsent(h.jsonArray[0].jsonPrimitive.content, h.jsonArray[1].jsonPrimitive.content)
        for ((name, value) in want["headers"]!!.jsonObject) {
            assertEquals((value as? JsonPrimitive)?.takeIf { it !is JsonNull }?.content, headers[name], name)
        }
        val body = r["body"]!!.let { if (it is JsonNull) JsonNull else parseJson(it.jsonPrimitive.content) }
        assertEquals(want["body"], body)
    }
}
