// The idiomatic Kotlin layer over the generated bindings (procore_uniffi.kt, generated at
// build time from the native library). Only what generated code makes awkward lives here:
// Flows over the page cursor, one place to read an error's code, JSON helpers, a memory
// token store. Nothing here retries, refreshes, paces or paginates: the Rust core does.
package com.procore.sdk

import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement

// ---- errors ------------------------------------------------------------------------------

/** Everything a [ProcoreException] carries, whichever subclass it is. */
data class ProcoreErrorInfo(
    val code: String,
    val reason: String,
    val status: Int?,
    val requestId: String?,
    val body: String?,
    val validationErrors: Map<String, List<String>>,
    val retryAtUnix: Long?,
)

/** The fields of any [ProcoreException] subclass. */
val ProcoreException.info: ProcoreErrorInfo
    get() = when (this) {
        is ProcoreException.Unauthorized -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.ReauthorizationRequired -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.Forbidden -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.AppNotConnected -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.NotFound -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.Validation -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.BadRequest -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.RateLimited -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.Server -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.Http -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.Timeout -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.Network -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.Config -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.Decode -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.OAuth -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.Store -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
        is ProcoreException.StateMismatch -> ProcoreErrorInfo(code, reason, status?.toInt(), requestId, body, validationErrors, retryAtUnix)
    }

/** The stable code (`not_found`, `validation`, ...) of any [ProcoreException]. */
val ProcoreException.code: String get() = info.code

/** The HTTP status behind the error, when there was an answer. */
val ProcoreException.httpStatus: Int? get() = info.status

/** `X-Request-Id` of the answer behind the error. */
val ProcoreException.requestId: String? get() = info.requestId

/** The error a custom [TokenStore] throws when it cannot read or write. */
fun tokenStoreError(reason: String): ProcoreException =
    ProcoreException.Store("store", reason, null, null, null, emptyMap(), null)

// ---- requests ----------------------------------------------------------------------------

/** Query parameters from pairs: `query("company_id" to 8089, "filters[active]" to true)`. */
fun query(vararg pairs: Pair<String, Any>): List<QueryParam> =
    pairs.map { (k, v) -> QueryParam(k, v.toString()) }

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

/**
 * A [TokenStore] that keeps the set in memory (what the client uses when given none); also
 * the smallest example of a custom store. A real app keeps [TokenSet.toJson] in the Android
 * Keystore, the Keychain or its database.
 */
class MemoryTokenStore(initial: TokenSet? = null) : TokenStore {
    private val lock = Mutex()
    private var json: String? = initial?.toJson()

    override suspend fun load(): TokenSet? = lock.withLock { json?.let { TokenSet.fromJson(it) } }

    override suspend fun save(tokens: TokenSet) = lock.withLock { json = tokens.toJson() }

    override suspend fun clear() = lock.withLock { json = null }
}
