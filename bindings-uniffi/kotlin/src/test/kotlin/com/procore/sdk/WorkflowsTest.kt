package com.procore.sdk

import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.Test
import java.net.InetSocketAddress
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.security.MessageDigest
import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** Sync batches, direct uploads and webhooks from Kotlin, against the simulator over real sockets. */
class WorkflowsTest {
    companion object {
        const val BIG_BUILD = 31337uL
        const val PROJECT = 100_001uL
        val MIN_SEGMENT: ULong = 5uL * 1024uL * 1024uL + 1uL
        const val TWELVE_MIB = 12 * 1024 * 1024
        const val SECRET = "Bearer kt-hook-s3cret"
    }

    private fun payload(n: Int): ByteArray {
        val r = java.util.Random(11)
        return ByteArray(n).also { r.nextBytes(it) }
    }

    private fun sha256(b: ByteArray) = MessageDigest.getInstance("SHA-256").digest(b).joinToString("") { "%02x".format(it) }

    private fun client(sim: Simulator) = Client.withAccessToken(sim.config(companyId = BIG_BUILD), Simulator.DEV_TOKEN)

    @Test fun `2,500 sync updates become three calls with refusals at their index`() = runBlocking<Unit> {
        Simulator().use { sim ->
            client(sim).use { c ->
                val updates = (0 until 2500).map { i ->
                    when (i) {
                        42 -> """{"origin_id": "kt-$i", "name": "V $i", "email_address": "nope"}"""
                        2222 -> """{"origin_id": "kt-$i", "name": " "}"""
                        else -> """{"origin_id": "kt-$i", "name": "V $i"}"""
                    }
                }.joinToString(",", "[", "]")
                val out = c.sync("/rest/v1.0/vendors/sync", updates, SyncOptions(request = RequestOptions(bodyJson = """{"company_id": 31337}""")))
                assertEquals(3u, out.batches)
                assertEquals(3L, sim.counters()["requests_by_route"]!!.jsonObject["PATCH /rest/v1.0/vendors/sync"]!!.jsonPrimitive.long)
                assertEquals(2498, out.entitiesJson.size)
                assertEquals(listOf(42uL, 2222uL), out.errors.map { it.index!! }.sorted())
                val e = expectProcore { c.sync("/rest/v1.0/vendors/sync", "[]", SyncOptions(batchSize = 1001u)) }
                assertEquals(ErrorCode.CONFIG, e.code())
            }
        }
    }

    @Test fun `12 MiB in three v2_1 segments from a file, and both v1_1 flows from bytes`() = runBlocking<Unit> {
        Simulator().use { sim ->
            client(sim).use { c ->
                val data = payload(TWELVE_MIB)
                val file = java.io.File.createTempFile("procore-kt-", ".pdf").apply { writeBytes(data); deleteOnExit() }
                val seen = java.util.concurrent.CopyOnWriteArrayList<UploadProgress>()
                val out = c.uploadFile(file.path, UploadOptions(projectId = PROJECT, segmentSize = MIN_SEGMENT)) { seen.add(it) }
                file.delete()
                assertEquals("available", out.status)
                assertEquals(3u, out.segments)
                assertEquals(sha256(data), out.sha256)
                assertEquals("application/pdf", out.contentType)
                assertEquals(0uL, seen.first().sent)
                assertEquals(UploadProgress(TWELVE_MIB.toULong(), TWELVE_MIB.toULong(), 3u, 3u), seen.last())
                assertTrue(seen.zipWithNext().all { (a, b) -> a.sent < b.sent })
                val rec = sim.uploads()[out.id]!!
                assertEquals(sha256(data), rec["stored_sha256"]!!.jsonPrimitive.content)
                assertEquals("companies/31337/projects/100001", rec["scope"]!!.jsonPrimitive.content)

                for ((flow, kind, segments) in listOf(Triple("v1.1", "legacy_single", 1u), Triple("v1.1-segmented", "legacy_segmented", 3u))) {
                    val progress = java.util.concurrent.CopyOnWriteArrayList<UploadProgress>()
                    val r = c.uploadBytes(data, UploadOptions(fileName = "model.ifc", flow = flow, projectId = PROJECT, segmentSize = 5uL * 1024uL * 1024uL)) { progress.add(it) }
                    assertEquals("complete", r.status)
                    assertEquals(segments, r.segments)
                    assertEquals(TWELVE_MIB.toULong(), progress.last().sent)
                    val stored = sim.uploads()[r.id]!!
                    assertEquals(kind, stored["flow"]!!.jsonPrimitive.content)
                    assertEquals(sha256(data), stored["stored_sha256"]!!.jsonPrimitive.content)
                }
            }
        }
    }

    @Test fun `a segment always damaged is an UPLOAD error naming it`() = runBlocking<Unit> {
        Simulator().use { sim ->
            client(sim).use { c ->
                sim.addFault("""{"kind": "corrupt", "count": null}""")
                val e = expectProcore {
                    c.uploadBytes(payload(TWELVE_MIB), UploadOptions(fileName = "x.bin", segmentSize = MIN_SEGMENT, parallelism = 1u, retries = 1u))
                }
                assertEquals(ErrorCode.UPLOAD, e.code())
                assertEquals(400, e.httpStatus)
                val f = assertNotNull(e.uploadFailure())
                assertEquals(listOf(1u, 3u, 2u), listOf(f.segment, f.segments, f.attempts))
                assertTrue(e.reason().contains("segment 1 of 3"), e.reason())
                assertTrue(!e.reason().contains("Signature"))
                assertNotNull(sim.uploads()[f.uploadId])
                val bad = expectProcore { c.uploadBytes(byteArrayOf(1, 2)) }
                assertEquals(ErrorCode.CONFIG, bad.code())
            }
        }
    }

    @Test fun `an RFI event reaches a JDK HttpServer receiver, forgeries are refused and the repeat is known`() = runBlocking<Unit> {
        Simulator().use { sim ->
            sim.configure("""{"webhook_duplicates": true}""")
            val receiver = WebhookReceiver(ReceiverOptions(headers = mapOf("Authorization" to SECRET)))
            val judged = LinkedBlockingQueue<Delivery>()
            val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
            server.createContext("/hooks") { ex ->
                val body = ex.requestBody.readBytes()
                val headers = ex.requestHeaders.flatMap { (k, vs) -> vs.map { Header(k, it) } }
                val d = runBlocking { receiver.receive(headers, body) }
                ex.sendResponseHeaders(d.status.toInt(), -1)
                ex.close()
                judged.put(d)
            }
            server.start()
            val url = "http://127.0.0.1:${server.address.port}/hooks"
            try {
                client(sim).use { c ->
                    val scope = WebhookOptions(projectId = PROJECT)
                    val hook = c.createHook(scope.copy(destinationUrl = url, destinationHeaders = mapOf("Authorization" to SECRET), apiVersion = "v2", namespace = "kt"))
                    val hookId = hook.jsonObject["id"]!!.jsonPrimitive.long.toULong()
                    c.createTrigger(hookId, "RFIs", "create", scope)
                    assertEquals(1, c.listTriggers(hookId, scope).jsonArray.size)
                    val rfi = parseJson(c.post("projects/$PROJECT/rfis", """{"rfi": {"subject": "Slab edge?"}}""").body).jsonObject
                    val first = assertNotNull(judged.poll(15, TimeUnit.SECONDS))
                    val second = assertNotNull(judged.poll(15, TimeUnit.SECONDS))
                    assertEquals(listOf("accepted", "duplicate"), listOf(first.verdict, second.verdict))
                    val event = parseJson(first.eventJson!!).jsonObject
                    assertEquals("RFIs", event["resource_name"]!!.jsonPrimitive.content)
                    assertEquals(rfi["id"]!!.jsonPrimitive.long, event["resource_id"]!!.jsonPrimitive.long)
                    assertEquals(first.key, second.key)

                    val http = HttpClient.newHttpClient()
                    for (auth in listOf(null, "Bearer guess")) {
                        val req = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(first.eventJson!!))
                        if (auth != null) req.header("Authorization", auth)
                        assertEquals(401, http.send(req.build(), HttpResponse.BodyHandlers.discarding()).statusCode())
                        val forged = assertNotNull(judged.poll(5, TimeUnit.SECONDS))
                        assertEquals("rejected", forged.verdict)
                        assertNull(forged.eventJson)
                    }
                    assertEquals(2, c.listDeliveries(hookId, "successful", scope).jsonArray.size)
                    assertEquals(ErrorCode.CONFIG, expectProcore { c.listDeliveries(hookId, "sometimes", scope) }.code())
                    assertEquals("kt2", c.updateHook(hookId, scope.copy(namespace = "kt2")).jsonObject["namespace"]!!.jsonPrimitive.content)
                    c.deleteHook(hookId, scope)
                    assertEquals(0, c.listHooks(scope).jsonArray.size)
                }
            } finally {
                server.stop(0)
            }
            val plain = WebhookReceiver(ReceiverOptions(headers = mapOf("X-Key" to "zz-s3cret-zz"), remember = 3uL))
            assertEquals(ErrorCode.DECODE, expectProcore { plain.receive(listOf(Header("x-key", "zz-s3cret-zz")), "<html>".toByteArray()) }.code())
            assertTrue(!plain.toString().contains("zz-s3cret-zz"))
        }
    }
}
