// A tour of the Kotlin SDK: a client, a request, a Flow over 2,500 projects, errors by code.
//
// Run it against the local simulator (see README.md beside this file):
//   procore-simulator --port 8080 &
//   (cd bindings-uniffi/kotlin && PROCORE_BASE_URL=http://127.0.0.1:8080 mvn -q test-compile exec:java \
//       -Dexec.mainClass=com.procore.examples.ExampleKt -Dexec.classpathScope=test \
//       -Djna.library.path=../../target/release)
package com.procore.examples

import com.procore.sdk.Client
import com.procore.sdk.ClientOptions
import com.procore.sdk.ErrorCode
import com.procore.sdk.PaginateOptions
import com.procore.sdk.ProcoreException
import com.procore.sdk.items
import com.procore.sdk.json
import com.procore.sdk.query
import kotlinx.coroutines.flow.count
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive

fun main(args: Array<String>): Unit = runBlocking {
    // Against Procore you would pass ClientOptions(environment = "sandbox") and a real token,
    // or use Client.withRefreshToken(config, clientId, clientSecret, refreshToken, myStore).
    val baseUrl = args.firstOrNull() ?: System.getenv("PROCORE_BASE_URL") ?: "http://127.0.0.1:8080"
    val config = ClientOptions(baseUrl = baseUrl, companyId = 31337uL, sdkLanguage = "kotlin")
    Client.withAccessToken(config, "sim-dev-token").use { client ->
        val me = client.get("me").json().jsonObject
        println("Hello, ${me["name"]!!.jsonPrimitive.content}")

        // One page at a time under the hood; the Flow hides the cursor.
        val n = client.items(
            "projects",
            PaginateOptions(query = query("company_id" to 31337), perPage = 1000u),
        ).count()
        println("Big Build Co has $n projects")

        // Errors carry the core's stable code.
        try {
            client.get("projects/42")
        } catch (e: ProcoreException) {
            if (e.code() != ErrorCode.NOT_FOUND) throw e
            println("projects/42: ${e.codeName()} (request ${e.requestId()})")
        }
    }
}
