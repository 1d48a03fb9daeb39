package com.procore.sdk

import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.long
import kotlinx.serialization.json.longOrNull
import java.io.BufferedReader
import java.io.File
import java.io.InputStreamReader
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.util.concurrent.TimeUnit

/**
 * The simulator binary in a child process, on a free loopback port, with its control API.
 * It exits when its stdin closes (`--exit-on-stdin-eof`), so a crashed JVM leaves nothing.
 */
class Simulator(vararg extraArgs: String) : AutoCloseable {
    private val process: Process
    val baseUrl: String
    private val http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    init {
        val bin = System.getenv("PROCORE_SIMULATOR_BIN")
            ?: System.getenv("PROCORE_SIMULATOR_BIN_DEFAULT")
            ?: "../../target/debug/procore-simulator"
        require(File(bin).canExecute()) { "simulator binary not found at $bin: run `cargo build -p procore-simulator`" }
        val args = listOf(bin, "--port", "0", "--exit-on-stdin-eof") +
            (if (extraArgs.isEmpty()) listOf("--no-rate-limit") else extraArgs.toList())
        process = ProcessBuilder(args)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        val line = BufferedReader(InputStreamReader(process.inputStream)).readLine()
            ?: error("the simulator exited before listening")
        val prefix = "procore-simulator listening on "
        check(line.startsWith(prefix)) { "unexpected simulator output: $line" }
        baseUrl = line.removePrefix(prefix).trim()
    }

    /** A configuration pointing at this simulator, with fast retries and no pacing. */
    fun config(
        companyId: ULong? = null,
        maxAttempts: UInt? = null,
        requestTimeoutMs: ULong? = null,
        rateLimitMaxWaitMs: ULong? = null,
    ) = ClientOptions(
        baseUrl = baseUrl,
        companyId = companyId,
        sdkLanguage = "kotlin",
        requestTimeoutMs = requestTimeoutMs,
        maxAttempts = maxAttempts,
        retryBaseDelayMs = 20uL,
        retryMaxDelayMs = 200uL,
        rateLimit = false,
        rateLimitMaxWaitMs = rateLimitMaxWaitMs,
    )

    private fun send(method: String, path: String, body: String? = null): String {
        val req = HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .method(method, if (body == null) HttpRequest.BodyPublishers.noBody() else HttpRequest.BodyPublishers.ofString(body))
            .build()
        val resp = http.send(req, HttpResponse.BodyHandlers.ofString())
        check(resp.statusCode() in 200..299) { "$method $path -> ${resp.statusCode()}: ${resp.body()}" }
        return resp.body()
    }

    fun reset() { send("POST", "/__simulator/reset", "{}") }

    /** `PATCH /__simulator/config` with a JSON patch (durations in seconds). */
    fun configure(patchJson: String) { send("PATCH", "/__simulator/config", patchJson) }

    /** The API requests the simulator recorded, oldest first (JSON array). */
    fun recordedRequests(): String = send("GET", "/__simulator/requests")

    fun clearRecordedRequests() { send("DELETE", "/__simulator/requests") }

    fun counters(): JsonObject = parseJson(send("GET", "/__simulator/counters")).jsonObject

    fun tokenCalls(grant: String = "refresh_token"): Long =
        counters()["token_calls"]!!.jsonObject[grant]!!.jsonPrimitive.long

    fun addFault(json: String) { send("POST", "/__simulator/faults", json) }

    /** Uses left of the active faults (0 once every fault was used up). */
    fun pendingFaultUses(): Long = parseJson(send("GET", "/__simulator/faults")).jsonArray
        .sumOf { it.jsonObject["remaining"]?.jsonPrimitive?.longOrNull ?: 1L }

    fun clearFaults() { send("DELETE", "/__simulator/faults") }

    /** Every upload the object store saw, by id (`status`, `flow`, `scope`, `stored_sha256`, ...). */
    fun uploads(): Map<String, JsonObject> = parseJson(send("GET", "/__simulator/uploads")).jsonArray
        .associate { it.jsonObject["id"]!!.jsonPrimitive.content to it.jsonObject }

    fun revokeAccessTokens() { send("POST", "/__simulator/revoke-access-tokens", "{}") }

    /** A fresh user's token response (`access_token`, `refresh_token`, `expires_in`, ...). */
    fun issueTokens(expiresIn: Long = 3600): JsonObject =
        parseJson(send("POST", "/__simulator/tokens", """{"expires_in":$expiresIn}""")).jsonObject

    /** A GET with a bearer token straight to the simulator, bypassing the SDK: the status. */
    fun statusWithToken(path: String, token: String): Int {
        val req = HttpRequest.newBuilder(URI.create(baseUrl + path))
            .header("Authorization", "Bearer $token")
            .GET().build()
        return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode()
    }

    /** Follows the auto-approving authorize page: the redirect's query parameters. */
    fun authorize(url: String): Map<String, String> {
        val resp = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.discarding())
        check(resp.statusCode() == 302) { "authorize -> ${resp.statusCode()}" }
        val location = resp.headers().firstValue("location").orElseThrow()
        return URI.create(location).rawQuery.split("&").associate {
            val (k, v) = it.split("=", limit = 2)
            java.net.URLDecoder.decode(k, "UTF-8") to java.net.URLDecoder.decode(v, "UTF-8")
        }
    }

    override fun close() {
        process.outputStream.close()
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly()
        }
    }

    companion object {
        const val CLIENT_ID = "sim-client-id"
        const val CLIENT_SECRET = "sim-client-secret"
        const val DEV_TOKEN = "sim-dev-token"
        const val BIG_BUILD: ULong = 31337uL
        const val SMALL: ULong = 8089uL
    }
}
