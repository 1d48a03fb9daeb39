// oidc-provider (panva/node-oidc-provider) on Procore's endpoint paths, for the interop tests:
// authorization code + PKCE, refresh tokens that rotate on every use with reuse detection (a
// spent refresh token revokes the whole grant), client credentials and revocation. Access
// tokens live ACCESS_TTL seconds. The "user" approves at once: /interaction/:uid finishes the
// login and the consent without a form. GET /__count reports the token calls.
//
//   node server.mjs <port> <client_id> <client_secret> <access_ttl_seconds>
import Provider from 'oidc-provider'

const [port, clientId, clientSecret, accessTtl] = process.argv.slice(2)
const issuer = `http://127.0.0.1:${port}`
let tokenCalls = 0
let refreshCalls = 0

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1:9/callback'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  routes: {
    authorization: '/oauth/authorize',
    token: '/oauth/token',
    revocation: '/oauth/revoke',
    introspection: '/oauth/introspect',
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  scopes: ['openid', 'offline_access'],
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  ttl: { AccessToken: Number(accessTtl), ClientCredentials: Number(accessTtl), RefreshToken: 3600, Grant: 3600, Interaction: 600, Session: 3600 },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  pkce: { required: () => false },
})
provider.proxy = false

provider.use(async (ctx, next) => {
  if (ctx.path === '/__count') {
    ctx.body = { token_calls: tokenCalls, refresh_calls: refreshCalls }
    return
  }
  if (ctx.path === '/oauth/token' && ctx.method === 'POST') tokenCalls++
  await next()
})
provider.on('grant.success', (ctx) => {
  if (ctx.oidc.params.grant_type === 'refresh_token') refreshCalls++
})

provider.use(async (ctx, next) => {
  const m = /^\/interaction\/([^/]+)$/.exec(ctx.path)
  if (!m) return next()
  const details = await provider.interactionDetails(ctx.req, ctx.res)
  const grant = new provider.Grant({ accountId: 'user-1', clientId: details.params.client_id })
  grant.addOIDCScope('openid offline_access')
  const grantId = await grant.save()
  await provider.interactionFinished(
    ctx.req,
    ctx.res,
    { login: { accountId: 'user-1' }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  )
  ctx.respond = false
})

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`)
})
