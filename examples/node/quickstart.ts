// Quickstart: a client, a few calls, a paginated walk, a write, and error handling.
//
// Against the local simulator:   PROCORE_BASE_URL=http://127.0.0.1:PORT npm start
// Against the developer sandbox: PROCORE_ENV=sandbox PROCORE_ACCESS_TOKEN=... PROCORE_COMPANY_ID=... npm start
import {
  Client,
  ClientOptions,
  isProcoreError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from '@procore-sdk/node'

interface Project {
  id: number
  name: string
  active: boolean
}

interface Rfi {
  id: number
  subject: string
  status: 'open' | 'closed' | 'draft'
}

async function main(): Promise<void> {
  const baseUrl = process.env.PROCORE_BASE_URL
  const companyId = Number(process.env.PROCORE_COMPANY_ID ?? 31337)
  const options: ClientOptions = baseUrl
    ? { baseUrl, companyId }
    : { environment: process.env.PROCORE_ENV === 'production' ? 'production' : 'sandbox', companyId }
  const client = Client.fromAccessToken(process.env.PROCORE_ACCESS_TOKEN ?? 'sim-dev-token', options)

  const me = await client.get('/rest/v1.0/me')
  const user = me.json<{ id: number; login: string }>()
  console.log(`signed in as ${user.login} (request ${me.requestId}, ${me.rateLimit?.remaining ?? '?'} calls left)`)

  // Pagination: an async iterator over every item; the core fetches page after page.
  let active = 0
  for await (const project of client.paginate<Project>('projects', { query: { company_id: companyId }, perPage: 1000 })) {
    if (project.active) active++
  }
  console.log(`${active} active projects`)

  // Or page by page, with the Total header.
  for await (const page of client.paginate<Project>('projects', { query: { company_id: companyId }, maxItems: 10 }).pages()) {
    console.log(`page ${page.number}: ${page.items.length} of ${page.total ?? '?'}`)
  }

  // A write, and the errors a caller can act on.
  try {
    const created = await client.post('projects/100001/rfis', { rfi: { subject: '' } })
    console.log('created', created.json<Rfi>().id)
  } catch (err) {
    if (err instanceof ValidationError) {
      for (const [field, messages] of Object.entries(err.errors)) console.log(`invalid ${field}: ${messages.join(', ')}`)
    } else if (err instanceof RateLimitedError) {
      console.log(`rate limited until ${err.retryAt?.toISOString()}`)
    } else {
      throw err
    }
  }

  try {
    await client.get('projects/1')
  } catch (err) {
    if (err instanceof NotFoundError) console.log(`not found (HTTP ${err.status}, request ${err.requestId})`)
    else throw err
  }
  client.close()
}

main().catch((err: unknown) => {
  if (isProcoreError(err)) {
    // `code` is a discriminant: each case narrows `err` to its class.
    switch (err.code) {
      case 'reauthorization_required':
        console.error('log in again')
        break
      case 'app_not_connected':
        console.error('connect the app to this company in App Management')
        break
      default:
        console.error(`${err.code}: ${err.message}`)
    }
  } else {
    console.error(err)
  }
  process.exitCode = 1
})
