package com.procore.sdk

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/**
 * The secret sweep, in Kotlin: a session (login by code, calls, a forced refresh, failures of
 * every kind), then every exception's toString/reason/body and the toString of every SDK value
 * (options, token sets, authorization requests) searched for the client secret, the tokens,
 * the code and the PKCE verifier. Any hit fails.
 */
class SecretsTest {
    @Test fun `no secret in errors or toString`() = runBlocking<Unit> {
        Simulator().use { sim ->
            val secrets = mutableListOf(Simulator.CLIENT_SECRET)
            val shown = mutableListOf<String>()
            val oauth = OAuthClient(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET)
            val req = oauth.authorizeUrl("http://127.0.0.1:9/cb", true)
            secrets += req.pkceVerifier()!!
            shown += req.toString()
            val q = sim.authorize(req.url())
            secrets += q["code"]!!
            val tokens = oauth.exchangeCode(req, q["code"]!!, q["state"]!!)
            secrets += tokens.accessToken()
            secrets += tokens.refreshToken()!!
            shown += tokens.toString()
            val options = sim.config().copy(clientId = Simulator.CLIENT_ID, clientSecret = Secret(Simulator.CLIENT_SECRET), tokens = tokens)
            shown += options.toString()
            val client = Client(options)
            shown += client.get("me").toString()
            sim.revokeAccessTokens()
            client.get("me")
            val current = client.currentTokens()!!
            secrets += current.accessToken()
            secrets += current.refreshToken()!!
            shown += current.toString()

            val errors = listOf(
                expectProcore { client.get("projects/999", RequestOptions(companyId = Simulator.SMALL)) },
                expectProcore { Client.withClientCredentials(sim.config(), Simulator.CLIENT_ID, "wrong-" + Simulator.CLIENT_SECRET).get("me") },
                expectProcore { Client.withRefreshToken(sim.config(), Simulator.CLIENT_ID, Simulator.CLIENT_SECRET, tokens.refreshToken()!!).get("me") },
                expectProcore { oauth.exchangeCode(req, q["code"]!!, "forged") },
                expectProcore { Client.withAccessToken(ClientOptions(baseUrl = "ftp://x"), current.accessToken()) },
                expectProcore { Client.withAccessToken(sim.config(), current.accessToken() + "\n").get("me") },
            )
            for (e in errors) shown += listOf(e.toString(), e.reason(), e.body() ?: "", e.codeName())
            assertTrue(shown.size > 10)
            for (text in shown) for (s in secrets) assertFalse(text.contains(s), "a secret in: ${text.take(200)}")
        }
    }
}
