#!/usr/bin/env node
// Benchmark (not a test): the procore client vs Node's global fetch on the local simulator, side
// by side in one run.
//
//   node bench/bench.mjs [--base URL] [--sim-pid PID] [--runs N] [--seconds S] [--items N]
//                        [--concurrency 1,64] [--quick] [--json out.json]
//
// The workload is the Rust part's (bench/src/main.rs): an authenticated GET of one JSON page,
// GET /rest/v1.0/companies/8089/projects with `Procore-Company-Id: 8089` and the simulator's dev
// token, the body parsed as JSON by both. Each figure is measured --runs times (contenders
// interleaved, each timed run preceded by a short untimed warm-up), --seconds each, at each
// concurrency (in-flight requests), and printed as the median with min and max, next to the
// simulator's own CPU use over the same interval (utime + stime of --sim-pid, % of one core).
//
// Then, each run in fresh child processes, the peak RSS (VmHWM) and items/s of streaming --items
// projects of company 77777: `for await (const p of client.paginate(...))` at per_page 1000 (the
// Rust and Python parts' page size) and 100, and a plain fetch pager at per_page 1000; with the
// RSS of a bare `node -e` and of loading the addon and making a client, for reference.
//
// fetch is set up as a careful user would: Node's global fetch (undici) keeps connections alive
// by default and opens as many per origin as there are requests in flight (so one per concurrent
// request, reused); it reads no proxy variables. procore runs with its defaults (retries and
// rate-limit pacing on; the simulator's rate limits are off, so pacing never waits).
//
// With --base the simulator must already run (started with --no-rate-limit); without it one is
// started here: PROCORE_SIMULATOR_BIN, else <repo>/target/release/procore-simulator if built, else
// <repo>/target/debug/procore-simulator. Needs the built addon (npm run build).
import { createRequire } from 'node:module'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const require = createRequire(import.meta.url)
const here = path.dirname(fileURLToPath(import.meta.url))
const pkgDir = path.resolve(here, '..')
const repo = path.resolve(pkgDir, '..')

function option(name) {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const quick = process.argv.includes('--quick')
const RUNS = Number(option('--runs') ?? (quick ? 1 : 5))
const SECONDS = Number(option('--seconds') ?? (quick ? 0.3 : 2))
const ITEMS = Number(option('--items') ?? (quick ? 20_000 : 100_000))
const LEVELS = (option('--concurrency') ?? '1,64').split(',').map(Number)
const JSON_OUT = option('--json')
const COMPANY = 8089
const PATH = `/rest/v1.0/companies/${COMPANY}/projects`
const TOKEN = 'sim-dev-token'

// ---------------------------------------------------------------------------------------------
// Measurement helpers

/** CPU seconds (utime + stime) used so far by process `pid`, or null. */
function cpuSeconds(pid) {
  if (!pid) return null
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100 // USER_HZ is 100 on Linux
  } catch {
    return null
  }
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b)
  const n = s.length
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
}
const spread = (v, digits = 0, unit = '') =>
  `${median(v).toFixed(digits)}${unit} (min ${Math.min(...v).toFixed(digits)} max ${Math.max(...v).toFixed(digits)})`

// The runs of one contender: rates, the simulator's CPU % over each run, and what each request
// cost this process (all its threads, the addon's included): CPU time and context switches,
// from process.resourceUsage(). Where a request's time goes: client CPU, the simulator's, waiting.
class Figure {
  constructor(name) {
    this.name = name
    this.rates = []
    this.simCpu = []
    this.cpuUs = []
    this.switches = []
  }
  toString() {
    let cpu = this.simCpu.length ? `; sim CPU ${median(this.simCpu).toFixed(0)}%` : ''
    if (this.cpuUs.length) {
      cpu += `; client ${median(this.cpuUs).toFixed(0)} us CPU and ${median(this.switches).toFixed(1)} context switches a request`
    }
    return `${this.name} ${median(this.rates).toFixed(0)} req/s (min ${Math.min(...this.rates).toFixed(0)} max ${Math.max(...this.rates).toFixed(0)}${cpu})`
  }
}

/** `concurrency` loops of `once` for `secs`; resolves with [completed, seconds]. */
async function timed(secs, concurrency, once) {
  const t0 = performance.now()
  const until = t0 + secs * 1000
  let done = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await once()
        done++
      }
    }),
  )
  return [done, (performance.now() - t0) / 1000]
}

// ---------------------------------------------------------------------------------------------
// Streaming children (a fresh process per walk, so that its peak RSS is the walk's)

const HWM = `const hwmMiB = () => Number(/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;`
// Where the resident memory is at the end of a walk (freed memory mostly stays resident, so this
// is close to the peak): the node binary's pages, V8's heap, and the other anonymous memory
// (the addon's threads and malloc arenas, V8's other areas), from /proc/self/smaps.
const SMAPS = `const residentMiB = () => {
  const by = { node: 0, anon: 0 };
  let name = '';
  for (const line of require('fs').readFileSync('/proc/self/smaps', 'utf8').split('\\n')) {
    const m = /^[0-9a-f]+-[0-9a-f]+ \\S+ \\S+ \\S+ \\S+\\s*(.*)$/.exec(line);
    if (m) { name = m[1]; continue; }
    const r = /^Rss:\\s+(\\d+) kB/.exec(line);
    if (!r) continue;
    if (name === process.execPath || name.endsWith('/node')) by.node += Number(r[1]);
    else if (name === '' || name === '[heap]') by.anon += Number(r[1]);
  }
  const heap = process.memoryUsage().heapTotal / 1048576;
  return { nodeCodeMiB: by.node / 1024, v8HeapMiB: heap, otherAnonMiB: by.anon / 1024 - heap };
};`

const streamProcore = (perPage) => `${HWM}${SMAPS}
  const { Client } = require(${JSON.stringify(pkgDir)});
  (async () => {
    const c = Client.fromAccessToken(${JSON.stringify(TOKEN)}, { baseUrl: process.env.SIM_URL, companyId: 77777 });
    const t0 = performance.now();
    let n = 0;
    for await (const p of c.paginate('projects', { query: { company_id: 77777 }, perPage: ${perPage}, maxItems: ${ITEMS} })) {
      if (typeof p.id !== 'number') throw new Error('bad item');
      n++;
    }
    const secs = (performance.now() - t0) / 1000;
    c.close();
    process.stdout.write(JSON.stringify({ items: n, secs, peakMiB: hwmMiB(), ...residentMiB() }));
  })().catch((e) => { console.error(e); process.exit(1) });`

const streamFetch = `${HWM}
  (async () => {
    const headers = { authorization: 'Bearer ${TOKEN}', 'procore-company-id': '77777' };
    const t0 = performance.now();
    let n = 0;
    for (let page = 1; n < ${ITEMS}; page++) {
      const r = await fetch(process.env.SIM_URL + '/rest/v1.0/projects?company_id=77777&per_page=1000&page=' + page, { headers });
      if (!r.ok) throw new Error('HTTP ' + r.status);
      const items = await r.json();
      if (items.length === 0) break;
      for (const p of items.slice(0, ${ITEMS} - n)) {
        if (typeof p.id !== 'number') throw new Error('bad item');
        n++;
      }
    }
    const secs = (performance.now() - t0) / 1000;
    process.stdout.write(JSON.stringify({ items: n, secs, peakMiB: hwmMiB() }));
  })().catch((e) => { console.error(e); process.exit(1) });`

const bareNode = `${HWM} process.stdout.write(JSON.stringify({ peakMiB: hwmMiB() }))`
const addonAndClient = `${HWM}
  const { Client } = require(${JSON.stringify(pkgDir)});
  const c = Client.fromAccessToken('x', { baseUrl: 'http://127.0.0.1:9', companyId: 1 });
  c.close();
  process.stdout.write(JSON.stringify({ peakMiB: hwmMiB() }))`

function child(script, simUrl) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['-e', script], {
      env: { ...process.env, SIM_URL: simUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    c.stdout.on('data', (d) => (out += d))
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`stream child exited ${code}`))))
  })
}

// ---------------------------------------------------------------------------------------------

let sim = null
let base = option('--base')
let simPid = Number(option('--sim-pid')) || null
if (!base) {
  const release = path.join(repo, 'target', 'release', 'procore-simulator')
  if (!process.env.PROCORE_SIMULATOR_BIN && fs.existsSync(release)) process.env.PROCORE_SIMULATOR_BIN = release
  const { startSimulator } = require(path.join(pkgDir, 'test', 'helpers.js'))
  sim = await startSimulator()
  base = sim.url
  simPid = simPid || sim.child.pid
}
base = base.replace(/\/+$/, '')
const { Client } = require(pkgDir)
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'))

try {
  console.log(
    `## Node ${process.version}: procore ${pkg.version} (napi addon) vs global fetch (undici) ` +
      `(GET ${PATH}, JSON parsed, ${SECONDS} s x ${RUNS} run(s) each, interleaved)`,
  )
  console.log(
    `cores: ${os.availableParallelism?.() ?? os.cpus().length}; simulator CPU in % of one core over the same interval` +
      `${simPid ? '' : ' (no --sim-pid: not measured)'}; ratios are of medians`,
  )
  console.log(
    'settings: procore defaults (retries, pacing on); fetch with the default undici agent ' +
      '(keep-alive, one connection per request in flight, no proxy); c = requests in flight.',
  )
  const client = Client.fromAccessToken(TOKEN, { baseUrl: base, companyId: COMPANY })
  const url = `${base}${PATH}`
  const headers = {
    authorization: `Bearer ${TOKEN}`,
    'procore-company-id': String(COMPANY),
    'user-agent': 'my-integration/1.0',
  }
  const viaProcore = async () => {
    const items = (await client.get(PATH)).json()
    if (items.length !== 3) throw new Error('bad answer')
  }
  const viaFetch = async () => {
    const r = await fetch(url, { headers })
    if (!r.ok) throw new Error(`HTTP ${r.status}`)
    if ((await r.json()).length !== 3) throw new Error('bad answer')
  }
  // undici.request (what fetch is built on, without fetch's spec overhead): the fastest peer,
  // with a keep-alive agent of as many connections as requests in flight.
  let undici = null
  try {
    undici = await import('undici')
  } catch {
    undici = null
  }
  const results = { throughput: {}, stream: {} }
  for (const c of LEVELS) {
    const figs = [
      [new Figure('procore'), viaProcore],
      [new Figure('fetch'), viaFetch],
    ]
    let agent = null
    if (undici) {
      agent = new undici.Agent({ connections: c, pipelining: 1, keepAliveTimeout: 60_000 })
      const viaUndici = async () => {
        const r = await undici.request(url, { headers, dispatcher: agent })
        if (r.statusCode !== 200) throw new Error(`HTTP ${r.statusCode}`)
        if ((await r.body.json()).length !== 3) throw new Error('bad answer')
      }
      figs.push([new Figure('undici.request'), viaUndici])
    }
    for (let run = 0; run < RUNS; run++) {
      for (const [fig, once] of figs) {
        await timed(Math.min(SECONDS, 0.2), c, once) // warm-up: connections open, code optimized
        const c0 = cpuSeconds(simPid)
        const r0 = process.resourceUsage()
        const [done, secs] = await timed(SECONDS, c, once)
        const r1 = process.resourceUsage()
        const c1 = cpuSeconds(simPid)
        fig.rates.push(done / secs)
        if (c0 !== null && c1 !== null) fig.simCpu.push(((c1 - c0) / secs) * 100)
        if (done) {
          const cpu = r1.userCPUTime - r0.userCPUTime + (r1.systemCPUTime - r0.systemCPUTime) // microseconds
          const sw = r1.voluntaryContextSwitches - r0.voluntaryContextSwitches + (r1.involuntaryContextSwitches - r0.involuntaryContextSwitches)
          fig.cpuUs.push(cpu / done)
          fig.switches.push(sw / done)
        }
      }
    }
    const [p, f, u] = figs.map(([fig]) => fig)
    const vsUndici = u ? ` | ${u} | procore/undici ${(median(p.rates) / median(u.rates)).toFixed(2)}x (target >= 1.2x)` : ''
    console.log(`node c=${c}: ${p} | ${f} | ratio ${(median(p.rates) / median(f.rates)).toFixed(2)}x (target >= 1x)${vsUndici}`)
    results.throughput[c] = u ? { procore: p, fetch: f, undici: u } : { procore: p, fetch: f }
    if (agent) await agent.close()
  }
  client.close()

  const walks = {
    'procore paginate (per_page 1000)': streamProcore(1000),
    'procore paginate (per_page 100)': streamProcore(100),
    'fetch pager (per_page 1000)': streamFetch,
  }
  const stream = Object.fromEntries(Object.keys(walks).map((k) => [k, []]))
  const bare = []
  const loaded = []
  for (let run = 0; run < RUNS; run++) {
    for (const [name, script] of Object.entries(walks)) stream[name].push(await child(script, base))
    bare.push((await child(bareNode, base)).peakMiB)
    loaded.push((await child(addonAndClient, base)).peakMiB)
  }
  const parts = Object.entries(stream).map(
    ([name, rs]) =>
      `${name} peak RSS ${spread(rs.map((r) => r.peakMiB), 1, ' MiB')}, ` +
      `${spread(rs.map((r) => r.items / r.secs), 0, ' items/s')}`,
  )
  const big = stream['procore paginate (per_page 1000)']
  const atEnd = (k) => spread(big.map((r) => r[k]), 1, ' MiB')
  console.log(
    `node stream ${big[0].items} items (company 77777, fresh process, ${RUNS} run(s)): ` +
      `${parts.join(' | ')} | bare node ${spread(bare, 1, ' MiB')}, node + addon + client ${spread(loaded, 1, ' MiB')} (target < 64 MiB)` +
      ` | resident at the end of the per_page 1000 walk: node's own code ${atEnd('nodeCodeMiB')}, V8 heap ${atEnd('v8HeapMiB')},` +
      ` other anonymous memory ${atEnd('otherAnonMiB')}`,
  )
  results.stream = { walks: stream, bareNodeMiB: bare, addonAndClientMiB: loaded }
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2))
} finally {
  if (sim) await sim.stop()
}
