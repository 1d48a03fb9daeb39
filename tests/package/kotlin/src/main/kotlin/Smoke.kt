// The published jar against the simulator: a call, a Flow over every page, an error by code.
// Args: the simulator's base URL and the expected SDK version.
import com.procore.sdk.Client
import com.procore.sdk.ClientOptions
import com.procore.sdk.ErrorCode
import com.procore.sdk.PaginateOptions
import com.procore.sdk.ProcoreException
import com.procore.sdk.RequestOptions
import com.procore.sdk.httpStatus
import com.procore.sdk.items
import com.procore.sdk.json
import com.procore.sdk.query
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.int
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlin.system.exitProcess

fun check(ok: Boolean, what: () -> String) {
    if (!ok) {
        System.err.println("kotlin smoke: " + what())
        exitProcess(1)
    }
}

fun main(args: Array<String>): Unit = runBlocking {
    val (baseUrl, version) = args
    check(System.getProperty("jna.library.path") == null) { "jna.library.path is set" }
    val jar = Client::class.java.protectionDomain.codeSource.location.path
    check(jar.endsWith("procore-sdk-kotlin-$version.jar")) { "Client loaded from $jar" }
    val config = ClientOptions(baseUrl = baseUrl, companyId = 31337uL, sdkLanguage = "kotlin")
    Client.withAccessToken(config, "sim-dev-token").use { client ->
        val me = client.get("me").json().jsonObject
        check(me["login"]?.jsonPrimitive?.content?.isNotEmpty() == true) { "me: $me" }
        val first = client.get("projects", RequestOptions(query = query("company_id" to 31337, "per_page" to 1)))
        val total = first.headers["total"]?.toInt() ?: -1
        val ids = client.items("projects", PaginateOptions(query = query("company_id" to 31337), perPage = 100u))
            .toList().map { it.jsonObject["id"]!!.jsonPrimitive.int }
        check(total > 0 && ids.size == total && ids.toSet().size == total) { "paginated ${ids.size} of $total" }
        try {
            client.get("projects/987654321")
            check(false) { "a missing project did not throw" }
        } catch (e: ProcoreException) {
            check(e.code() == ErrorCode.NOT_FOUND && e.httpStatus == 404) { "got ${e.codeName()} ${e.status()}" }
        }
        println("kotlin: procore-sdk-kotlin $version from the jar (JNA resource): calls ok ($total projects)")
    }
}
