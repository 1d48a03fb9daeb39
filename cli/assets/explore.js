'use strict'
// procore explore: the page's script. Everything it shows comes from this run's local server
// (/api/...), which holds the client; this page never sees a token or a secret. Every API call
// carries the per-run token from the page's URL.
const TOKEN = new URLSearchParams(location.search).get('t') || ''
const $ = (id) => document.getElementById(id)
let operations = []
let current = null
let lastCall = null
let lang = 'curl'

async function api(path, init = {}) {
  const sep = path.includes('?') ? '&' : '?'
  const headers = { 'x-explore-token': TOKEN, ...(init.headers || {}) }
  const r = await fetch(`${path}${sep}t=${encodeURIComponent(TOKEN)}`, { ...init, headers })
  if (r.status === 403) throw new Error('this page\'s token was refused: open the URL procore explore printed')
  return r.json()
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v)
    else e.setAttribute(k, v)
  }
  for (const c of children) e.append(c)
  return e
}

// ---- the list ---------------------------------------------------------------------------

function matches(op, words) {
  const hay = `${op.id} ${op.method} ${op.path} ${op.summary} ${op.tag}`.toLowerCase()
  return words.every((w) => hay.includes(w))
}

function renderList() {
  const words = $('search').value.toLowerCase().split(/\s+/).filter(Boolean)
  const hits = operations.filter((o) => matches(o, words))
  $('count').textContent = `${hits.length} of ${operations.length} operations`
  const list = $('list')
  list.replaceChildren()
  const groups = new Map()
  for (const o of hits.slice(0, 400)) {
    const key = `${o.tag || 'Other'}`
    if (!groups.has(key)) groups.set(key, [])
    groups.get(key).push(o)
  }
  for (const [tag, ops] of [...groups].sort((a, b) => a[0].localeCompare(b[0]))) {
    list.append(el('div', { class: 'tag' }, tag))
    ops.sort((a, b) => a.version.localeCompare(b.version) || a.path.localeCompare(b.path))
    for (const o of ops) {
      const b = el('button', { type: 'button', class: 'op', 'data-id': o.id, role: 'option', title: o.id, onclick: () => choose(o.id) },
        el('span', { class: `method m-${o.method}` }, o.method), o.summary || o.path, el('span', { class: 'ver' }, o.version))
      if (current && current.id === o.id) b.classList.add('active')
      list.append(b)
    }
  }
  if (hits.length > 400) list.append(el('p', { class: 'muted' }, `${hits.length - 400} more: refine the search`))
}

// ---- the form ---------------------------------------------------------------------------

function input(name, type, required, dataset) {
  const attrs = { name, 'data-type': type, ...dataset }
  const field = type === 'boolean'
    ? el('select', attrs, el('option', { value: '' }, ''), el('option', { value: 'true' }, 'true'), el('option', { value: 'false' }, 'false'))
    : el('input', { ...attrs, placeholder: type })
  return el('label', { class: required ? 'required' : '', 'data-field': name }, el('span', {}, name), field)
}

async function choose(id) {
  const op = await api(`/api/operation?id=${encodeURIComponent(id)}`)
  current = op
  $('hint').hidden = true
  $('form').hidden = false
  $('result').hidden = true
  $('op-method').textContent = op.method
  $('op-method').className = `method m-${op.method}`
  $('op-path').textContent = op.path
  $('op-summary').textContent = op.summary
  $('op-id').textContent = op.id
  $('op-tag').textContent = `${op.tag} · ${op.version}`
  const params = (where) => op.params.filter((p) => p.in === where)
  for (const [where, box, fs] of [['path', 'path-params', 'fs-path'], ['query', 'query-params', 'fs-query']]) {
    const ps = params(where)
    $(fs).hidden = ps.length === 0
    $(box).replaceChildren(...ps.map((p) => input(p.name, p.schema && p.schema.type || 'string', p.required, { 'data-in': where })))
  }
  const fields = (op.body_fields || []).filter((f) => !f.path.includes('[]') && !['object'].includes(f.type))
  $('fs-body').hidden = !op.body
  $('body-fields').replaceChildren(...fields.map((f) => input(f.path, f.type.split(' ')[0], f.required, { 'data-in': 'body' })))
  $('raw-body').value = ''
  $('copy').hidden = false
  document.querySelectorAll('.op').forEach((b) => b.classList.toggle('active', b.dataset.id === id))
  updateSnippet()
}

function typed(v, type) {
  if (type === 'integer') { const n = Number(v); return Number.isInteger(n) ? n : v }
  if (type === 'number') { const n = Number(v); return Number.isNaN(n) ? v : n }
  if (type === 'boolean') return v === 'true'
  if (type === 'array' || type === 'any') { try { return JSON.parse(v) } catch { return v } }
  return v
}

function setPath(obj, dotted, value) {
  const keys = dotted.split('.')
  let o = obj
  for (const k of keys.slice(0, -1)) o = (o[k] = o[k] && typeof o[k] === 'object' ? o[k] : {})
  o[keys.at(-1)] = value
}

/** The call as the form describes it: {operation, path, query, body, company_id}. */
function collect() {
  const call = { operation: current.id, path: {}, query: {}, body: null }
  const body = {}
  let anyBody = false
  document.querySelectorAll('#form [data-in]').forEach((f) => {
    if (f.value === '') return
    const v = typed(f.value, f.dataset.type)
    if (f.dataset.in === 'path') call.path[f.name] = String(f.value)
    else if (f.dataset.in === 'query') call.query[f.name] = v
    else { setPath(body, f.name, v); anyBody = true }
  })
  const raw = $('raw-body').value.trim()
  if (raw) call.body = JSON.parse(raw)
  else if (anyBody || (current.body && current.body.required)) call.body = body
  const c = $('company').value.trim()
  if (c) call.company_id = Number(c)
  return call
}

// ---- sending ----------------------------------------------------------------------------

async function send(ev) {
  ev.preventDefault()
  let call
  try { call = collect() } catch (e) { return showError({ code: 'config', message: `the raw body is not JSON: ${e.message}` }) }
  document.querySelectorAll('label.invalid').forEach((l) => l.classList.remove('invalid'))
  $('sending').hidden = false
  $('send').disabled = true
  try {
    const r = await api('/api/send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(call) })
    lastCall = call
    show(r)
  } catch (e) {
    showError({ code: 'network', message: e.message })
  } finally {
    $('sending').hidden = true
    $('send').disabled = false
    refreshStatus()
    updateSnippet()
  }
}

function show(r) {
  $('result').hidden = false
  const st = $('res-status')
  st.textContent = r.status ? `HTTP ${r.status}` : r.code
  st.className = `status ${r.ok ? 'ok' : 'bad'}`
  const meta = []
  if (r.elapsed_ms != null) meta.push(`${r.elapsed_ms.toFixed(0)} ms`)
  if (r.request_id) meta.push(`request id ${r.request_id}`)
  if (r.attempts > 1) meta.push(`${r.attempts} attempts`)
  if (r.rate_limit) meta.push(`rate limit ${r.rate_limit.remaining}/${r.rate_limit.limit}, resets ${new Date(r.rate_limit.reset * 1000).toLocaleTimeString()}`)
  $('res-meta').textContent = meta.join(' · ')
  if (r.ok) {
    $('res-error').hidden = true
  } else {
    showError(r)
  }
  $('res-body').textContent = r.body === undefined || r.body === null ? '' : JSON.stringify(r.body, null, 2)
}

function showError(e) {
  $('result').hidden = false
  const box = $('res-error')
  box.hidden = false
  box.replaceChildren(el('strong', { class: 'code' }, e.code || 'error'), ': ', e.message || '')
  const fields = e.fields || {}
  const items = Object.entries(fields)
  if (items.length) {
    const ul = el('ul', { id: 'field-errors' })
    for (const [place, msgs] of items) {
      ul.append(el('li', { 'data-place': place }, `${place}: ${msgs.join(', ')}`))
      const name = place.replace(/^(path|query|body)\./, '')
      document.querySelectorAll(`label[data-field="${CSS.escape(name)}"]`).forEach((l) => l.classList.add('invalid'))
    }
    box.append(ul)
  }
}

// ---- copy as ----------------------------------------------------------------------------

function snippet(call) {
  const op = current
  let path = op.path
  for (const [k, v] of Object.entries(call.path)) path = path.replace(`{${k}}`, encodeURIComponent(v))
  const q = new URLSearchParams(Object.entries(call.query).map(([k, v]) => [k, String(v)])).toString()
  const url = `${path}${q ? `?${q}` : ''}`
  const body = call.body == null ? null : JSON.stringify(call.body)
  const company = call.company_id ?? 'COMPANY_ID'
  switch (lang) {
    case 'curl':
      return [`curl -X ${op.method} "https://api.procore.com${url}"`, '  -H "Authorization: Bearer $PROCORE_ACCESS_TOKEN"', `  -H "Procore-Company-Id: ${company}"`]
        .concat(body ? ['  -H "Content-Type: application/json"', `  -d '${body.replace(/'/g, "'\\''")}'`] : []).join(' \\\n')
    case 'python':
      return `import procore\n\nwith procore.Client(client_id=..., client_secret=..., token_store=procore.FileTokenStore("tokens.json"), company_id=${company}) as client:\n    r = client.call(${JSON.stringify(op.id)}, path=${JSON.stringify(call.path)}${Object.keys(call.query).length ? `, params=${JSON.stringify(call.query)}` : ''}${body ? `, json=${body}` : ''})\n    print(r.status, r.json())`
    case 'node':
      return `const { Client } = require('@procore-sdk/node')\n\nconst client = Client.fromStoredTokens(clientId, clientSecret, { companyId: ${company} })\nconst r = await client.call(${JSON.stringify(op.id)}, { path: ${JSON.stringify(call.path)}${Object.keys(call.query).length ? `, query: ${JSON.stringify(call.query)}` : ''}${body ? `, body: ${body}` : ''} })\nconsole.log(r.status, r.json())`
    case 'kotlin':
      return `val client = Client(ClientOptions(clientId = id, clientSecret = Secret(secret), companyId = ${company}uL), FileTokenStore("tokens.json"))\nval r = client.call(\n    ${JSON.stringify(op.id)},\n    listOf(${Object.entries(call.path).map(([k, v]) => `QueryParam(${JSON.stringify(k)}, QueryValue.Text(${JSON.stringify(String(v))}))`).join(', ')}),\n    RequestOptions(${[Object.keys(call.query).length ? `query = query(${Object.entries(call.query).map(([k, v]) => `${JSON.stringify(k)} to ${JSON.stringify(v)}`).join(', ')})` : '', body ? `bodyJson = ${JSON.stringify(body)}` : ''].filter(Boolean).join(', ')}),\n)\nprintln("\${r.statusCode} \${r.body}")`
  }
  return ''
}

function updateSnippet() {
  if (!current) return
  let call
  try { call = collect() } catch { call = lastCall || { path: {}, query: {}, body: null } }
  $('snippet').textContent = snippet(call)
  document.querySelectorAll('.tabs [data-lang]').forEach((b) => b.classList.toggle('active', b.dataset.lang === lang))
}

// ---- the budget gauge and the log ---------------------------------------------------------

async function refreshStatus() {
  let s
  try { s = await api('/api/status') } catch { return }
  $('env').textContent = `${s.api_base}${s.company_id ? ` · company ${s.company_id}` : ''}${s.simulator ? ' · simulator' : ''}`
  for (const name of ['hourly', 'spike']) {
    const w = s.budget[name]
    const m = $(`g-${name}`)
    if (w) {
      m.max = w.limit
      m.value = w.remaining
      $(`g-${name}-text`).textContent = `${w.remaining}/${w.limit}, resets in ${Math.max(0, Math.round(w.reset - Date.now() / 1000))} s`
    }
  }
  $('log').replaceChildren(...s.log.slice().reverse().map((c) =>
    el('li', {}, el('span', { class: `method m-${c.method}` }, c.method), `${c.path} → ${c.status ?? c.code} (${c.elapsed_ms.toFixed(0)} ms)`)))
}

// ---- start ------------------------------------------------------------------------------

async function start() {
  $('search').addEventListener('input', renderList)
  $('form').addEventListener('submit', send)
  $('form').addEventListener('input', updateSnippet)
  document.querySelectorAll('.tabs [data-lang]').forEach((b) => b.addEventListener('click', () => { lang = b.dataset.lang; updateSnippet() }))
  $('copy-btn').addEventListener('click', () => navigator.clipboard && navigator.clipboard.writeText($('snippet').textContent))
  try {
    operations = await api('/api/catalog')
  } catch (e) {
    $('hint').textContent = e.message
    return
  }
  renderList()
  refreshStatus()
  setInterval(refreshStatus, 3000)
}
start()
