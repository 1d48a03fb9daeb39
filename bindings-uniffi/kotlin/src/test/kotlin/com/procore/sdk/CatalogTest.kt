package com.procore.sdk

import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.longOrNull
import org.junit.jupiter.api.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The operation catalog from Kotlin: search, lookup, and a call checked before it leaves. */
class CatalogTest {
    private val createRfi = "RestV10ProjectsProjectIdRfisPost"
    private val route = "POST /rest/v1.0/projects/{project_id}/rfis"

    @Test fun `search and lookup`() {
        assertTrue(catalogSearch("create rfi").any { it.id == createRfi })
        val op = catalogOperation(createRfi)!!
        assertEquals("POST", op.method)
        assertEquals("/rest/v1.0/projects/{project_id}/rfis", op.path)
        assertTrue(op.params.any { it.name == "project_id" && it.location == "path" && it.required })
        val required = op.bodyFields.filter { it.required }.map { it.path }
        assertTrue(listOf("rfi", "rfi.subject", "rfi.question", "rfi.question.body", "rfi.rfi_manager_id").all { it in required }, "$required")
        assertNull(catalogOperation("NoSuchOperation"))
        assertEquals(3, catalogSearch("rfi", 3u).size)
    }

    @Test fun `an invalid call sends nothing and a complete one succeeds`() = runBlocking<Unit> {
        Simulator().use { sim ->
            Client.withAccessToken(sim.config(companyId = 31337uL), Simulator.DEV_TOKEN).use { c ->
                fun created() = sim.counters()["requests_by_route"]!!.jsonObject[route]?.jsonPrimitive?.longOrNull ?: 0L
                val before = created()
                val e = expectProcore { c.call(createRfi, options = RequestOptions(bodyJson = """{"rfi":{"subject":5}}""")) }
                assertEquals(ErrorCode.INVALID_CALL, e.code())
                val problems = e.validationErrors()
                assertEquals(listOf("is required"), problems["path.project_id"])
                assertEquals(listOf("must be a string, not an integer"), problems["body.rfi.subject"])
                assertEquals(before, created(), "nothing reached the simulator")
                val body = """{"rfi":{"subject":"Dowel spacing","question":{"body":"Which spacing?"},"rfi_manager_id":7}}"""
                val r = c.call(createRfi, listOf(QueryParam("project_id", QueryValue.Int(100001))), RequestOptions(bodyJson = body))
                assertEquals(201, r.statusCode)
                assertEquals(before + 1, created())
            }
        }
    }
}
