'use strict'
// Test helpers: a simulator process per test file (killed at the end) and its control API.
const { spawn } = require('node:child_process')
const path = require('node:path')
const readline = require('node:readline')

const REPO = path.resolve(__dirname, '..', '..')
const SIM_BIN = process.env.PROCORE_SIMULATOR_BIN || path.join(REPO, 'target', 'debug', 'procore-simulator')
const CLIENT_ID = 'sim-client-id'
const CLIENT_SECRET = 'sim-client-secret'
const DEV_TOKEN = 'sim-dev-token'
const BIG_BUILD = 31337

/** Starts `procore-simulator --port 0` and resolves once it listens. */
function startSimulator(extraArgs = []) {
  const args = ['--port', '0', '--exit-on-stdin-eof', ...extraArgs]
  if (!extraArgs.includes('--rate-limits')) args.push('--no-rate-limit')
  const child = spawn(SIM_BIN, args.filter((a) => a !== '--rate-limits'), {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout })
    const timer = setTimeout(() => reject(new Error('simulator did not start in 20 s')), 20_000)
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`simulator exited early (${code})`)))
    rl.once('line', (line) => {
      clearTimeout(timer)
      const m = /listening on (http:\/\/\S+)/.exec(line)
      if (!m) return reject(new Error(`unexpected simulator output: ${line}`))
      child.removeAllListeners('exit')
      resolve(new Simulator(m[1], child))
    })
  })
}

class Simulator {
  constructor(url, child) {
    this.url = url
    this.child = child
  }
  async control(method, route, body) {
    const res = await fetch(`${this.url}/__simulator/${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`simulator ${method} ${route}: ${res.status} ${text}`)
    return text ? JSON.parse(text) : null
  }
  counters() {
    return this.control('GET', 'counters')
  }
  reset() {
    return this.control('POST', 'reset')
  }
  fault(f) {
    return this.control('POST', 'faults', f)
  }
  clearFaults() {
    return this.control('DELETE', 'faults')
  }
  /** A fresh user token response ({access_token, refresh_token, expires_in, ...}). */
  issueTokens(expiresIn = 3600) {
    return this.control('POST', 'tokens', { expires_in: expiresIn })
  }
  /** A token record the client must treat as expired now (the server still accepts it). */
  async expiredTokens() {
    const t = await this.issueTokens(3600)
    return { access_token: t.access_token, refresh_token: t.refresh_token, expires_at: Math.floor(Date.now() / 1000) - 1, version: 0 }
  }
  /** Options pointing a client at this simulator, with fast retries and no pacing. */
  options(extra = {}) {
    return {
      baseUrl: this.url,
      rateLimit: false,
      retryBaseDelayMs: 10,
      retryMaxDelayMs: 100,
      ...extra,
    }
  }
  stop() {
    if (this.child.exitCode === null) {
      this.child.stdin.end()
      this.child.kill('SIGTERM')
    }
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve()
      this.child.once('exit', () => resolve())
    })
  }
}

module.exports = { startSimulator, Simulator, REPO, SIM_BIN, CLIENT_ID, CLIENT_SECRET, DEV_TOKEN, BIG_BUILD }
