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

/** The stable kind of the error (`ErrorCode.NOT_FOUND`, ...). */
val ProcoreException.kind: ErrorCode get() = code()

/** The HTTP status behind the error, when there was an answer. */
val ProcoreException.httpStatus: Int? get() = status()?.toInt()

/** The error a custom [TokenStore] throws when it cannot read or write. */
fun tokenStoreError(reason: String): StoreException = StoreException.Failed(reason)

// ---- the client --------------------------------------------------------------------------

/**
 * A Procore API client: one per app (per token set); calls share its connection pool, its
 * tokens and its rate budget, from any number of coroutines. Every method is the generated
 * [NativeClient]'s; this class only adds a [close] after which calls fail with the SDK's
 * `CONFIG` error instead of the generated code's `IllegalStateException`.
 */
class Client private constructor(private val inner: NativeClient) : AutoCloseable {
    /** A client from its options (credentials included); [store] keeps the tokens. */
    constructor(options: ClientOptions, store: TokenStore? = null) : this(NativeClient(options, store))

    private val closed = java.util.concurrent.atomic.AtomicBoolean(false)

    private fun native(): NativeClient {
        if (closed.get()) throw closedClientError()
        return inner
    }

    companion object {
        /** A fixed access token (never refreshed; a 401 is final). */
        fun withAccessToken(options: ClientOptions, accessToken: String) =
            Client(NativeClient.withAccessToken(options, accessToken))

        /** A service account: the client-credentials grant, fetched again at expiry. */
        fun withClientCredentials(options: ClientOptions, clientId: String, clientSecret: String) =
            Client(NativeClient.withClientCredentials(options, clientId, clientSecret))

        /** A user's refresh token; a set already in [store] wins (it is newer). */
        fun withRefreshToken(options: ClientOptions, clientId: String, clientSecret: String, refreshToken: String, store: TokenStore? = null) =
            Client(NativeClient.withRefreshToken(options, clientId, clientSecret, refreshToken, store))

        /** A user's full token set (from `OAuthClient.exchangeCode`, or saved earlier). */
        fun withTokens(options: ClientOptions, clientId: String, clientSecret: String, tokens: TokenSet, store: TokenStore? = null) =
            Client(NativeClient.withTokens(options, clientId, clientSecret, tokens, store))

        /** Tokens that live only in [store]. */
        fun withStoredTokens(options: ClientOptions, clientId: String, clientSecret: String, store: TokenStore) =
            Client(NativeClient.withStoredTokens(options, clientId, clientSecret, store))
    }

    fun companyId(): ULong? = native().companyId()
    fun currentTokens(): TokenSet? = native().currentTokens()
    suspend fun request(method: String, path: String, options: RequestOptions? = null) = native().request(method, path, options)
    suspend fun get(path: String, options: RequestOptions? = null) = native().get(path, options)
    suspend fun post(path: String, bodyJson: String, options: RequestOptions? = null) = native().post(path, bodyJson, options)
    suspend fun put(path: String, bodyJson: String, options: RequestOptions? = null) = native().put(path, bodyJson, options)
    suspend fun patch(path: String, bodyJson: String, options: RequestOptions? = null) = native().patch(path, bodyJson, options)
    suspend fun delete(path: String, options: RequestOptions? = null) = native().delete(path, options)
    suspend fun call(operation: String, path: List<QueryParam> = emptyList(), options: RequestOptions? = null) = native().call(operation, path, options)
    fun paginate(path: String, options: PaginateOptions? = null): PageCursor = native().paginate(path, options)
    suspend fun revoke() = native().revoke()
    suspend fun tokenInfo(): String = native().tokenInfo()

    /** Any number of updates (a JSON array) for a `.../sync` endpoint, in batches of at most 1000, merged. */
    suspend fun sync(path: String, updatesJson: String, options: SyncOptions? = null) = native().sync(path, updatesJson, options)
    /** Uploads bytes (v2.1 unless `options.flow` says otherwise); [progress] sees each stored segment. */
    suspend fun uploadBytes(data: ByteArray, options: UploadOptions? = null, progress: ((UploadProgress) -> Unit)? = null) =
        native().uploadBytes(data, options, listener(progress))
    /** Uploads the file at [path], read in chunks; [progress] sees each stored segment. */
    suspend fun uploadFile(path: String, options: UploadOptions? = null, progress: ((UploadProgress) -> Unit)? = null) =
        native().uploadFile(path, options, listener(progress))

    /** A hook of a company or project (`destinationUrl`, `destinationHeaders`, `apiVersion`, `namespace`), as JSON. */
    suspend fun createHook(options: WebhookOptions): JsonElement = hooks("create_hook", null, options)
    suspend fun updateHook(hookId: ULong, options: WebhookOptions): JsonElement = hooks("update_hook", hookId, options)
    suspend fun listHooks(scope: WebhookOptions = WebhookOptions()): JsonElement = hooks("list_hooks", null, scope)
    suspend fun deleteHook(hookId: ULong, scope: WebhookOptions = WebhookOptions()) { hooks("delete_hook", hookId, scope) }
    /** Deliver [eventType] (create, update, delete) of [resourceName] (RFIs, ...) to the hook. */
    suspend fun createTrigger(hookId: ULong, resourceName: String, eventType: String, scope: WebhookOptions = WebhookOptions()): JsonElement =
        hooks("create_trigger", hookId, scope.copy(resourceName = resourceName, eventType = eventType))
    suspend fun listTriggers(hookId: ULong, scope: WebhookOptions = WebhookOptions()): JsonElement = hooks("list_triggers", hookId, scope)
    suspend fun deleteTrigger(hookId: ULong, triggerId: ULong, scope: WebhookOptions = WebhookOptions()) {
        hooks("delete_trigger", hookId, scope.copy(triggerId = triggerId))
    }
    /** A hook's deliveries, all or by [status] (successful, failing, discarded). */
    suspend fun listDeliveries(hookId: ULong, status: String? = null, scope: WebhookOptions = WebhookOptions()): JsonElement =
        hooks("list_deliveries", hookId, scope.copy(status = status))

    private suspend fun hooks(action: String, hookId: ULong?, options: WebhookOptions): JsonElement =
        parseJson(native().webhooks(action, hookId, options))

    private fun listener(f: ((UploadProgress) -> Unit)?): UploadListener? = f?.let {
        object : UploadListener {
            override fun onProgress(progress: UploadProgress) = it(progress)
        }
    }

    /** Refuses further calls (they fail with `CONFIG`) but keeps the native object. */
    fun shutdown() = native().shutdown()

    /** Refuses further calls (they fail with `CONFIG`) and frees the native client. Idempotent. */
    override fun close() {
        if (closed.compareAndSet(false, true)) {
            inner.shutdown()
            inner.close()
        }
    }

    override fun toString(): String = "Client(closed=${closed.get()})"
}

// ---- requests ----------------------------------------------------------------------------

/** One query value from a Kotlin value: strings, numbers, booleans, and lists of them. */
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
 */
fun query(vararg pairs: Pair<String, Any?>): List<QueryParam> =
    pairs.mapNotNull { (k, v) -> v?.let { QueryParam(k, queryValue(it)) } }

private val json = Json { ignoreUnknownKeys = true }

/** Parses JSON text (a response body, a page item). */
fun parseJson(text: String): JsonElement = json.parseToJsonElement(text)

/** The body parsed as JSON (`null` JSON for an empty body). */
fun Response.json(): JsonElement = parseJson(body.ifBlank { "null" })

/** The HTTP status as an Int. */
val Response.statusCode: Int get() = status.toInt()

// ---- pagination --------------------------------------------------------------------------

/** The cursor's remaining pages as a cold Flow (collect it once). */
fun PageCursor.pages(): Flow<Page> = flow {
    while (true) {
        val page = nextPage() ?: break
        emit(page)
    }
}

/**
 * Every page of a collection as a Flow. Each collection starts a new walk; the cursor is
 * released when the flow completes, fails or is cancelled.
 */
fun Client.pages(path: String, options: PaginateOptions = PaginateOptions()): Flow<Page> = flow {
    paginate(path, options).use { cursor ->
        while (true) {
            val page = cursor.nextPage() ?: break
            emit(page)
        }
    }
}

/** Every item of a collection, parsed, as a Flow (one page held at a time). */
fun Client.items(path: String, options: PaginateOptions = PaginateOptions()): Flow<JsonElement> = flow {
    pages(path, options).collect { page -> page.items.forEach { emit(parseJson(it)) } }
}

// ---- stores ------------------------------------------------------------------------------

/** The in-process store (what the client uses when given none). */
fun MemoryTokenStore(): TokenStore = memoryTokenStore()

/** The in-process store, holding [initial] to start with. */
suspend fun MemoryTokenStore(initial: TokenSet): TokenStore = memoryTokenStore().also { it.save(initial) }

/**
 * The core's file store: a JSON file (0600, atomic durable writes) with an OS lock across
 * processes, so several JVMs sharing one file refresh once per expiry.
 */
fun FileTokenStore(path: String): TokenStore = fileTokenStore(path)

/**
 * Redis (`redis://`, `rediss://`): the token set and a lease lock shared by processes and
 * machines, under [prefix] (one per token set: `redisKeyPrefix(environment, clientId, user)`).
 */
fun RedisTokenStore(url: String, prefix: String): TokenStore = redisTokenStore(url, prefix)
