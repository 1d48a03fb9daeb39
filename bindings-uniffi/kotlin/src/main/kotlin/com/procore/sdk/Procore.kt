// The idiomatic Kotlin layer over the generated bindings (procore_uniffi.kt, generated at
// build time from the native library). Only what generated code makes awkward lives here:
// Flows over the page cursor, Kotlin-style reads of an error, query and JSON helpers, the
// store factories. Nothing here retries, refreshes, paces or paginates: the Rust core does.
package com.procore.sdk

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement

// ---- errors ------------------------------------------------------------------------------
// Every call throws one class, ProcoreException, with code(), status(), requestId(), reason(),
// body(), validationErrors(), retryAtUnix() and oauthError() on the class itself (usable from
// Java). These properties only read them the Kotlin way.

/**
 * The stable kind of the error (`ErrorCode.NOT_FOUND`, ...): [ProcoreException.code] as a property.
 *
 * ```kotlin
 * try { client.get("projects/1") } catch (e: ProcoreException) {
 *     if (e.kind == ErrorCode.NOT_FOUND) return null else throw e
 * }
 * ```
 */
val ProcoreException.kind: ErrorCode get() = code()

/**
 * The HTTP status behind the error as an Int, when there was an answer.
 *
 * ```kotlin
 * catch (e: ProcoreException) { if (e.httpStatus == 404) showNotFound() }
 * ```
 */
val ProcoreException.httpStatus: Int? get() = status()?.toInt()

/**
 * The error a custom [TokenStore] throws when it cannot read or write (the call fails with `STORE`).
 *
 * ```kotlin
 * override suspend fun save(tokens: TokenSet) {
 *     if (!prefs.commit("procore", tokens.toJson())) throw tokenStoreError("could not write the token set")
 * }
 * ```
 */
fun tokenStoreError(reason: String): StoreException = StoreException.Failed(reason)

// ---- the client --------------------------------------------------------------------------

/**
 * A Procore API client: one per app (per token set); calls share its connection pool, its
 * tokens and its rate budget, from any number of coroutines. Every method is the generated
 * [NativeClient]'s; this class only adds a [close] after which calls fail with the SDK's
 * `CONFIG` error instead of the generated code's `IllegalStateException`. Every call throws
 * [ProcoreException] on failure.
 *
 * ```kotlin
 * Client.withRefreshToken(ClientOptions(environment = "sandbox", companyId = 8089uL), clientId, clientSecret, refreshToken,
 *     FileTokenStore("tokens.json")).use { client ->
 *     val me = client.get("me").json()
 *     client.items("projects", PaginateOptions(query = query("company_id" to 8089))).collect { println(it) }
 * }
 * ```
 */
class Client private constructor(private val inner: NativeClient) : AutoCloseable {
    /**
     * A client from its options (credentials included); [store] keeps the tokens (default: memory).
     *
     * ```kotlin
     * val client = Client(ClientOptions(accessToken = Secret(token), environment = "sandbox"))
     * ```
     */
    constructor(options: ClientOptions, store: TokenStore? = null) : this(NativeClient(options, store))

    private val closed = java.util.concurrent.atomic.AtomicBoolean(false)

    private fun native(): NativeClient {
        if (closed.get()) throw closedClientError()
        return inner
    }

    /**
     * The shorthand constructors, one per kind of credentials.
     *
     * ```kotlin
     * val client = Client.withClientCredentials(ClientOptions(environment = "sandbox"), clientId, clientSecret)
     * ```
     */
    companion object {
        /**
         * A fixed access token (never refreshed; a 401 is final).
         *
         * ```kotlin
         * val client = Client.withAccessToken(ClientOptions(environment = "sandbox"), System.getenv("PROCORE_TOKEN"))
         * ```
         */
        fun withAccessToken(options: ClientOptions, accessToken: String) =
            Client(NativeClient.withAccessToken(options, accessToken))

        /**
         * A service account: the client-credentials grant, fetched again at expiry.
         *
         * ```kotlin
         * val client = Client.withClientCredentials(ClientOptions(companyId = 8089uL), clientId, clientSecret)
         * ```
         */
        fun withClientCredentials(options: ClientOptions, clientId: String, clientSecret: String) =
            Client(NativeClient.withClientCredentials(options, clientId, clientSecret))

        /**
         * A user's refresh token; a set already in [store] wins (it is newer). The first call refreshes.
         *
         * ```kotlin
         * val client = Client.withRefreshToken(ClientOptions(), clientId, clientSecret, refreshToken, FileTokenStore("tokens.json"))
         * ```
         */
        fun withRefreshToken(options: ClientOptions, clientId: String, clientSecret: String, refreshToken: String, store: TokenStore? = null) =
            Client(NativeClient.withRefreshToken(options, clientId, clientSecret, refreshToken, store))

        /**
         * A user's full token set (from `OAuthClient.exchangeCode`, or saved earlier).
         *
         * ```kotlin
         * val tokens = oauth.exchangeCode(request, code, state)
         * val client = Client.withTokens(ClientOptions(environment = "sandbox"), clientId, clientSecret, tokens, store)
         * ```
         */
        fun withTokens(options: ClientOptions, clientId: String, clientSecret: String, tokens: TokenSet, store: TokenStore? = null) =
            Client(NativeClient.withTokens(options, clientId, clientSecret, tokens, store))

        /**
         * Tokens that live only in [store] (saved by an earlier run or login).
         *
         * ```kotlin
         * val client = Client.withStoredTokens(ClientOptions(), clientId, clientSecret, KeystoreTokenStore(prefs))
         * ```
         */
        fun withStoredTokens(options: ClientOptions, clientId: String, clientSecret: String, store: TokenStore) =
            Client(NativeClient.withStoredTokens(options, clientId, clientSecret, store))
    }

    /**
     * The default company id (sent as `Procore-Company-Id` when a call names none), if set.
     *
     * ```kotlin
     * val company: ULong? = client.companyId()
     * ```
     */
    fun companyId(): ULong? = native().companyId()
    /**
     * A copy of the current token set, if one was loaded or fetched yet. It holds secrets: never log its tokens.
     *
     * ```kotlin
     * client.currentTokens()?.let { println("expires at ${it.expiresAtUnix()}") }
     * ```
     */
    fun currentTokens(): TokenSet? = native().currentTokens()
    /**
     * Any method (`GET`, `POST`, ...): [path] is `/rest/v1.0/projects`, or `projects` (relative to the API version); the JSON body goes in `options.bodyJson`.
     *
     * ```kotlin
     * val r = client.request("GET", "projects", RequestOptions(query = query("company_id" to 8089)))
     * ```
     */
    suspend fun request(method: String, path: String, options: RequestOptions? = null) = native().request(method, path, options)
    /**
     * `GET path`.
     *
     * ```kotlin
     * val me = client.get("me").json()
     * ```
     */
    suspend fun get(path: String, options: RequestOptions? = null) = native().get(path, options)
    /**
     * `POST path` with a JSON body (text).
     *
     * ```kotlin
     * val rfi = client.post("projects/5/rfis", """{"rfi": {"subject": "Door height"}}""").json()
     * ```
     */
    suspend fun post(path: String, bodyJson: String, options: RequestOptions? = null) = native().post(path, bodyJson, options)
    /**
     * `PUT path` with a JSON body (text).
     *
     * ```kotlin
     * client.put("projects/5/rfis/7", """{"rfi": {"subject": "Door height (rev. B)"}}""")
     * ```
     */
    suspend fun put(path: String, bodyJson: String, options: RequestOptions? = null) = native().put(path, bodyJson, options)
    /**
     * `PATCH path` with a JSON body (text).
     *
     * ```kotlin
     * client.patch("projects/5", """{"project": {"active": false}}""", RequestOptions(companyId = 8089uL))
     * ```
     */
    suspend fun patch(path: String, bodyJson: String, options: RequestOptions? = null) = native().patch(path, bodyJson, options)
    /**
     * `DELETE path`.
     *
     * ```kotlin
     * client.delete("projects/5/rfis/7")
     * ```
     */
    suspend fun delete(path: String, options: RequestOptions? = null) = native().delete(path, options)
    /**
     * A catalog operation by id ([catalogSearch], [catalogOperation]), its [path] parameters filling the path template; checked first: an `INVALID_CALL` error names what is missing and nothing is sent.
     *
     * ```kotlin
     * val r = client.call("RestV10ProjectsProjectIdRfisPost", query("project_id" to 5),
     *     RequestOptions(bodyJson = """{"rfi": {"subject": "Door height"}}"""))
     * ```
     */
    suspend fun call(operation: String, path: List<QueryParam> = emptyList(), options: RequestOptions? = null) = native().call(operation, path, options)
    /**
     * A cursor over a paginated collection, one page per `nextPage()` call; [pages] and [items] are the Flow forms.
     *
     * ```kotlin
     * client.paginate("projects", PaginateOptions(perPage = 100u)).use { cursor ->
     *     while (true) println(cursor.nextPage()?.number ?: break)
     * }
     * ```
     */
    fun paginate(path: String, options: PaginateOptions? = null): PageCursor = native().paginate(path, options)
    /**
     * Revokes the tokens at the server and clears the token store (logout).
     *
     * ```kotlin
     * client.revoke()  // later calls fail with REAUTHORIZATION_REQUIRED
     * ```
     */
    suspend fun revoke() = native().revoke()
    /**
     * Introspects the current access token (`/oauth/token/info`), as JSON text.
     *
     * ```kotlin
     * val info = parseJson(client.tokenInfo()).jsonObject
     * ```
     */
    suspend fun tokenInfo(): String = native().tokenInfo()

    /**
     * Any number of updates (a JSON array) for a `.../sync` endpoint, in batches of at most 1000, merged; each refusal keeps its input index.
     *
     * ```kotlin
     * val result = client.sync("vendors/sync", """[{"id": 1, "name": "Acme"}]""",
     *     SyncOptions(request = RequestOptions(bodyJson = """{"company_id": 8089}""")))
     * result.errors.forEach { println("update #${it.index}: ${it.errorJson}") }
     * ```
     */
    suspend fun sync(path: String, updatesJson: String, options: SyncOptions? = null) = native().sync(path, updatesJson, options)
    /**
     * Uploads bytes (v2.1 unless `options.flow` says otherwise); [progress] sees each stored segment.
     *
     * ```kotlin
     * val up = client.uploadBytes(csv.toByteArray(), UploadOptions(fileName = "export.csv", companyId = 8089uL))
     * ```
     */
    suspend fun uploadBytes(data: ByteArray, options: UploadOptions? = null, progress: ((UploadProgress) -> Unit)? = null) =
        native().uploadBytes(data, options, listener(progress))
    /**
     * Uploads the file at [path], read in chunks; [progress] sees each stored segment.
     *
     * ```kotlin
     * val up = client.uploadFile("site.mp4", UploadOptions(projectId = 5uL)) { p -> println("${p.sent}/${p.total}") }
     * println(up.id)
     * ```
     */
    suspend fun uploadFile(path: String, options: UploadOptions? = null, progress: ((UploadProgress) -> Unit)? = null) =
        native().uploadFile(path, options, listener(progress))

    /**
     * A hook of a company or project (`destinationUrl`, `destinationHeaders`, `apiVersion`, `namespace`), as JSON.
     *
     * ```kotlin
     * val hook = client.createHook(WebhookOptions(projectId = 5uL, destinationUrl = "https://example.com/procore",
     *     destinationHeaders = mapOf("Authorization" to "Bearer s3cret")))
     * val hookId = hook.jsonObject["id"]!!.jsonPrimitive.long.toULong()
     * ```
     */
    suspend fun createHook(options: WebhookOptions): JsonElement = hooks("create_hook", null, options)
    /**
     * Changes the given fields of a hook, as JSON.
     *
     * ```kotlin
     * client.updateHook(hookId, WebhookOptions(projectId = 5uL, destinationUrl = "https://example.com/v2"))
     * ```
     */
    suspend fun updateHook(hookId: ULong, options: WebhookOptions): JsonElement = hooks("update_hook", hookId, options)
    /**
     * The hooks of a company or project, as a JSON array.
     *
     * ```kotlin
     * val hooks = client.listHooks(WebhookOptions(projectId = 5uL)).jsonArray
     * ```
     */
    suspend fun listHooks(scope: WebhookOptions = WebhookOptions()): JsonElement = hooks("list_hooks", null, scope)
    /**
     * Deletes a hook.
     *
     * ```kotlin
     * client.deleteHook(hookId, WebhookOptions(projectId = 5uL))
     * ```
     */
    suspend fun deleteHook(hookId: ULong, scope: WebhookOptions = WebhookOptions()) { hooks("delete_hook", hookId, scope) }
    /**
     * Deliver [eventType] (create, update, delete) of [resourceName] (RFIs, ...) to the hook, as JSON.
     *
     * ```kotlin
     * client.createTrigger(hookId, "RFIs", "create", WebhookOptions(projectId = 5uL))
     * ```
     */
    suspend fun createTrigger(hookId: ULong, resourceName: String, eventType: String, scope: WebhookOptions = WebhookOptions()): JsonElement =
        hooks("create_trigger", hookId, scope.copy(resourceName = resourceName, eventType = eventType))
    /**
     * The triggers of a hook, as a JSON array.
     *
     * ```kotlin
     * val triggers = client.listTriggers(hookId, WebhookOptions(projectId = 5uL)).jsonArray
     * ```
     */
    suspend fun listTriggers(hookId: ULong, scope: WebhookOptions = WebhookOptions()): JsonElement = hooks("list_triggers", hookId, scope)
    /**
     * Deletes a trigger of a hook.
     *
     * ```kotlin
     * client.deleteTrigger(hookId, triggerId, WebhookOptions(projectId = 5uL))
     * ```
     */
    suspend fun deleteTrigger(hookId: ULong, triggerId: ULong, scope: WebhookOptions = WebhookOptions()) {
        hooks("delete_trigger", hookId, scope.copy(triggerId = triggerId))
    }
    /**
     * A hook's deliveries, all or by [status] (successful, failing, discarded), as a JSON array.
     *
     * ```kotlin
     * val failing = client.listDeliveries(hookId, "failing", WebhookOptions(projectId = 5uL)).jsonArray
     * ```
     */
    suspend fun listDeliveries(hookId: ULong, status: String? = null, scope: WebhookOptions = WebhookOptions()): JsonElement =
        hooks("list_deliveries", hookId, scope.copy(status = status))

    private suspend fun hooks(action: String, hookId: ULong?, options: WebhookOptions): JsonElement =
        parseJson(native().webhooks(action, hookId, options))

    private fun listener(f: ((UploadProgress) -> Unit)?): UploadListener? = f?.let {
        object : UploadListener {
            override fun onProgress(progress: UploadProgress) = it(progress)
        }
    }

    /**
     * Refuses further calls (they fail with `CONFIG`) but keeps the native object. Calls in flight finish.
     *
     * ```kotlin
     * client.shutdown()
     * ```
     */
    fun shutdown() = native().shutdown()

    /**
     * Refuses further calls (they fail with `CONFIG`) and frees the native client. Idempotent.
     *
     * ```kotlin
     * val client = Client.withAccessToken(ClientOptions(), token)
     * try { client.get("me") } finally { client.close() }  // or client.use { ... }
     * ```
     */
    override fun close() {
        if (closed.compareAndSet(false, true)) {
            inner.shutdown()
            inner.close()
        }
    }

    /**
     * A text form that never shows a token: `Client(closed=false)`.
     *
     * ```kotlin
     * println(client)  // Client(closed=false)
     * ```
     */
    override fun toString(): String = "Client(closed=${closed.get()})"
}

// ---- requests ----------------------------------------------------------------------------

/**
 * One query value from a Kotlin value: strings, numbers, booleans, and lists of them (anything else is sent as its `toString()`).
 *
 * ```kotlin
 * val params = listOf(QueryParam("company_id", queryValue(8089)), QueryParam("filters[status_id]", queryValue(listOf(1, 2))))
 * ```
 */
fun queryValue(v: Any): QueryValue = when (v) {
    is String -> QueryValue.Text(v)
    is Boolean -> QueryValue.Bool(v)
    is Int -> QueryValue.Int(v.toLong())
    is Long -> QueryValue.Int(v)
    is ULong -> QueryValue.Int(v.toLong())
    is UInt -> QueryValue.Int(v.toLong())
    is Double -> QueryValue.Number(v)
    is Float -> QueryValue.Number(v.toDouble())
    is Iterable<*> -> {
        val items = v.filterNotNull()
        if (items.all { it is Int || it is Long }) QueryValue.IntList(items.map { (it as Number).toLong() })
        else QueryValue.TextList(items.map { it.toString() })
    }
    else -> QueryValue.Text(v.toString())
}

/**
 * Query parameters from pairs, in order: `query("company_id" to 8089, "filters[status_id]" to
 * listOf(1, 2))`. Lists are sent Rails-style (`filters[status_id][]=1&...`); null values are
 * skipped.
 *
 * ```kotlin
 * val r = client.get("projects/5/rfis", RequestOptions(query = query("filters[status]" to "open", "page" to 2, "sort" to null)))
 * ```
 */
fun query(vararg pairs: Pair<String, Any?>): List<QueryParam> =
    pairs.mapNotNull { (k, v) -> v?.let { QueryParam(k, queryValue(it)) } }

private val json = Json { ignoreUnknownKeys = true }

/**
 * Parses JSON text (a response body, a page item, an error body).
 *
 * ```kotlin
 * val item = parseJson(page.items.first()).jsonObject
 * ```
 */
fun parseJson(text: String): JsonElement = json.parseToJsonElement(text)

/**
 * The body parsed as JSON (`null` JSON for an empty body).
 *
 * ```kotlin
 * val name = client.get("me").json().jsonObject["name"]?.jsonPrimitive?.content
 * ```
 */
fun Response.json(): JsonElement = parseJson(body.ifBlank { "null" })

/**
 * The HTTP status as an Int.
 *
 * ```kotlin
 * check(client.get("me").statusCode == 200)
 * ```
 */
val Response.statusCode: Int get() = status.toInt()

// ---- pagination --------------------------------------------------------------------------

/**
 * The cursor's remaining pages as a cold Flow (collect it once).
 *
 * ```kotlin
 * client.paginate("projects").use { cursor -> cursor.pages().collect { println(it.number) } }
 * ```
 */
fun PageCursor.pages(): Flow<Page> = flow {
    while (true) {
        val page = nextPage() ?: break
        emit(page)
    }
}

/**
 * Every page of a collection as a Flow. Each collection starts a new walk; the cursor is
 * released when the flow completes, fails or is cancelled.
 *
 * ```kotlin
 * client.pages("projects", PaginateOptions(query = query("company_id" to 8089))).collect { page ->
 *     println("page ${page.number}: ${page.items.size} of ${page.total ?: "?"}")
 * }
 * ```
 */
fun Client.pages(path: String, options: PaginateOptions = PaginateOptions()): Flow<Page> = flow {
    paginate(path, options).use { cursor ->
        while (true) {
            val page = cursor.nextPage() ?: break
            emit(page)
        }
    }
}

/**
 * Every item of a collection, parsed, as a Flow (one page held at a time).
 *
 * ```kotlin
 * val active = client.items("projects", PaginateOptions(query = query("company_id" to 8089)))
 *     .filter { it.jsonObject["active"]?.jsonPrimitive?.boolean == true }
 *     .count()
 * ```
 */
fun Client.items(path: String, options: PaginateOptions = PaginateOptions()): Flow<JsonElement> = flow {
    pages(path, options).collect { page -> page.items.forEach { emit(parseJson(it)) } }
}

// ---- stores ------------------------------------------------------------------------------

/**
 * The in-process store (what the client uses when given none).
 *
 * ```kotlin
 * val store = MemoryTokenStore()
 * val client = Client.withRefreshToken(ClientOptions(), clientId, clientSecret, refreshToken, store)
 * ```
 */
fun MemoryTokenStore(): TokenStore = memoryTokenStore()

/**
 * The in-process store, holding [initial] to start with.
 *
 * ```kotlin
 * val client = Client.withStoredTokens(ClientOptions(), clientId, clientSecret, MemoryTokenStore(TokenSet.fromJson(saved)))
 * ```
 */
suspend fun MemoryTokenStore(initial: TokenSet): TokenStore = memoryTokenStore().also { it.save(initial) }

/**
 * The core's file store: a JSON file (0600, atomic durable writes) with an OS lock across
 * processes, so several JVMs sharing one file refresh once per expiry.
 *
 * ```kotlin
 * val store = FileTokenStore("/var/lib/myapp/procore-tokens.json")
 * val client = Client.withRefreshToken(ClientOptions(), clientId, clientSecret, refreshToken, store)
 * ```
 */
fun FileTokenStore(path: String): TokenStore = fileTokenStore(path)

/**
 * Redis (`redis://`, `rediss://`): the token set and a lease lock shared by processes and
 * machines, under [prefix] (one per token set: `redisKeyPrefix(environment, clientId, user)`).
 *
 * ```kotlin
 * val store = RedisTokenStore("redis://localhost:6379/0", redisKeyPrefix("production", clientId, "user-42"))
 * val client = Client.withStoredTokens(ClientOptions(), clientId, clientSecret, store)
 * ```
 */
fun RedisTokenStore(url: String, prefix: String): TokenStore = redisTokenStore(url, prefix)
