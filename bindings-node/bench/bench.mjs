#!/usr/bin/env node
// Benchmark (not a test): the same workload through the procore client and through Node's
// global fetch (undici, keep-alive) against the local simulator, side by side in one run.
//
//   node bench/bench.mjs [--quick] [--json]
//
// Prints req/s of each, their ratio (procore / fetch), and the peak RSS of a child process that
// streams the projects of company 77777 (100,000 items, per_page 1000; 20,000 with --quick)
// through `client.paginate()`. The last line, `BENCH_JSON {...}`, is for a harness.
// Needs the simulator binary (PROCORE_SIMULATOR_BIN, default <repo>/target/debug/procore-simulator)
// and the built addon (npm run build).
import { createRequire } from 'node:module'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const require = createRequire(import.meta.url)
const here = path.dirname(fileURLToPath(import.meta.url))
const pkgDir = path.resolve(here, '..')
const { startSimulator } = require(path.join(pkgDir, 'test', 'helpers.js'))
const { Client } = require(pkgDir)

const quick = process.argv.includes('--quick')
const REQUESTS = quick ? 2_000 : 20_000
const CONCURRENCY = 32
const STREAM_ITEMS = quick ? 20_000 : 100_000
const PATH = '/rest/v1.0/projects/100001'
const COMPANY = 31337
const TOKEN = 'sim-dev-token'

/** Runs `n` calls of `once` with `concurrency` workers; resolves with req/s. */
async function run(n, concurrency, once) {
  let next = 0
  const t0 = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++
        await once()
      }
    }),
  )
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  return n / secs
}

function streamInChild(simUrl, items) {
  const script = `
    const { Client } = require(${JSON.stringify(pkgDir)});
    (async () => {
      const c = Client.fromAccessToken(${JSON.stringify(TOKEN)}, { baseUrl: process.env.SIM_URL, companyId: 77777, rateLimit: { enabled: false } });
      const t0 = Date.now();
      let n = 0, sampled = 0;
      for await (const p of c.paginate('projects', { query: { company_id: 77777 }, perPage: 1000, maxItems: ${items} })) {
        if (typeof p.id !== 'number') throw new Error('bad item');
        if (++n % 1000 === 0) sampled = Math.max(sampled, process.memoryUsage().rss);
      }
      c.close();
      const peakKb = process.resourceUsage().maxRSS;
      process.stdout.write(JSON.stringify({ items: n, secs: (Date.now() - t0) / 1000, peakRssMb: peakKb / 1024, sampledRssMb: sampled / 1048576 }));
    })().catch((e) => { console.error(e); process.exit(1) });
  `
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, SIM_URL: simUrl }, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`stream child exited ${code}`))))
  })
}

const sim = await startSimulator()
try {
  const client = Client.fromAccessToken(TOKEN, { baseUrl: sim.url, companyId: COMPANY, rateLimit: { enabled: false } })
  const url = `${sim.url}${PATH}`
  const headers = { authorization: `Bearer ${TOKEN}`, 'procore-company-id': String(COMPANY) }

  const viaProcore = async () => {
    const r = await client.get(PATH)
    if (r.json().id !== 100001) throw new Error('bad answer')
  }
  const viaFetch = async () => {
    const r = await fetch(url, { headers })
    if (!r.ok) throw new Error(`HTTP ${r.status}`)
    if ((await r.json()).id !== 100001) throw new Error('bad answer')
  }

  // Warm both up (connections, JIT), then alternate runs and keep the best of each.
  await run(Math.min(500, REQUESTS), CONCURRENCY, viaProcore)
  await run(Math.min(500, REQUESTS), CONCURRENCY, viaFetch)
  const rounds = quick ? 1 : 3
  let procoreRps = 0
  let fetchRps = 0
  for (let i = 0; i < rounds; i++) {
    procoreRps = Math.max(procoreRps, await run(REQUESTS, CONCURRENCY, viaProcore))
    fetchRps = Math.max(fetchRps, await run(REQUESTS, CONCURRENCY, viaFetch))
  }
  client.close()
  const ratio = procoreRps / fetchRps
  console.log(`requests: ${REQUESTS} x GET ${PATH}, concurrency ${CONCURRENCY}, best of ${rounds}`)
  console.log(`procore (node binding): ${procoreRps.toFixed(0)} req/s`)
  console.log(`global fetch (undici):  ${fetchRps.toFixed(0)} req/s`)
  console.log(`ratio procore/fetch:    ${ratio.toFixed(2)}`)

  const stream = await streamInChild(sim.url, STREAM_ITEMS)
  console.log(
    `streaming ${stream.items} projects of company 77777 (per_page 1000): ${stream.secs.toFixed(2)} s, ` +
      `${(stream.items / stream.secs).toFixed(0)} items/s, peak RSS ${stream.peakRssMb.toFixed(1)} MB`,
  )
  const result = {
    quick,
    requests: REQUESTS,
    concurrency: CONCURRENCY,
    procore_rps: Math.round(procoreRps),
    fetch_rps: Math.round(fetchRps),
    ratio: Number(ratio.toFixed(3)),
    stream_items: stream.items,
    stream_secs: Number(stream.secs.toFixed(3)),
    stream_peak_rss_mb: Number(stream.peakRssMb.toFixed(1)),
  }
  console.log(`BENCH_JSON ${JSON.stringify(result)}`)
} finally {
  await sim.stop()
}
