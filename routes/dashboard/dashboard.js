// The dashboard: reads GET /vendors and GET /jobs every few seconds; pause and resume with the admin token.
// Everything shown goes in through textContent, never as markup.
const REFRESH_MS = 2000
const previous = new Map()
let shownJob

const el = (tag, text, className) => {
  const node = document.createElement(tag)
  if (text !== undefined) node.textContent = String(text)
  if (className !== undefined) node.className = className
  return node
}
const time = (iso) => (iso === undefined ? '' : new Date(iso).toLocaleTimeString())
const token = () => document.getElementById('token').value.trim()

async function api (path, init = {}) {
  const res = await fetch(path, { ...init, headers: { accept: 'application/json', ...init.headers } })
  const body = await res.json()
  if (!res.ok) throw new Error(`${res.status} ${body.code ?? ''}: ${body.message ?? ''}`)
  return body
}

function vendorState (v) {
  if (v.state.admin_pause !== undefined) return ['paused', `paused by an operator since ${time(v.state.admin_pause.since)}${v.state.admin_pause.reason ? `: ${v.state.admin_pause.reason}` : ''}`]
  if (v.state.paused_until !== undefined) return ['paused', `paused by the vendor until ${time(v.state.paused_until)}`]
  return ['ok', 'taking calls']
}

function throughput (v, now) {
  const ended = v.counts.complete + v.counts.failed
  const before = previous.get(v.name)
  previous.set(v.name, { ended, at: now })
  if (before === undefined || now <= before.at) return ''
  return (Math.max(0, ended - before.ended) / ((now - before.at) / 1000)).toFixed(1)
}

function actionButton (v, paused) {
  const button = el('button', paused ? 'Resume' : 'Pause')
  button.disabled = token() === ''
  button.title = button.disabled ? 'enter the admin token first' : ''
  button.addEventListener('click', async () => {
    const reason = document.getElementById('reason').value.trim()
    const query = !paused && reason !== '' ? `?reason=${encodeURIComponent(reason)}` : ''
    try {
      await api(`/vendors/${encodeURIComponent(v.name)}/${paused ? 'resume' : 'pause'}${query}`, { method: 'POST', headers: { authorization: `Bearer ${token()}` } })
      await refresh()
    } catch (err) {
      showProblem(err)
    }
  })
  return button
}

function renderVendors (vendors) {
  const now = Date.now()
  const rows = vendors.map((v) => {
    const [state, title] = vendorState(v)
    const row = el('tr')
    row.dataset.vendor = v.name
    row.dataset.state = state
    const stateCell = el('td', state, `state-${state}`)
    stateCell.title = title
    row.append(
      el('td', `${v.name} (${v.config.mode})`), stateCell, el('td', v.state.breaker, `breaker-${v.state.breaker}`),
      el('td', v.queue.ready), el('td', v.queue.delayed), el('td', `${v.state.slots_in_use}/${v.config.concurrency}`), el('td', v.state.tokens),
      el('td', throughput(v, now)), el('td', v.counts.pending), el('td', v.counts.processing), el('td', v.counts.complete), el('td', v.counts.failed)
    )
    const actions = el('td')
    actions.append(actionButton(v, v.state.admin_pause !== undefined))
    row.append(actions)
    return row
  })
  document.querySelector('#vendors tbody').replaceChildren(...rows)
}

function jobLink (id) {
  const link = el('a', id)
  link.addEventListener('click', () => showJob(id))
  return link
}

function renderJobs (selector, jobs, cells) {
  const rows = jobs.map((job) => {
    const row = el('tr')
    row.dataset.requestId = job.request_id
    const first = el('td')
    first.append(jobLink(job.request_id))
    row.append(first, ...cells(job))
    return row
  })
  document.querySelector(`${selector} tbody`).replaceChildren(...rows)
}

async function showJob (id) {
  shownJob = id
  document.getElementById('job-id').value = id
  try {
    document.getElementById('job').textContent = JSON.stringify(await api(`/jobs/${encodeURIComponent(id)}`), null, 2)
  } catch (err) {
    document.getElementById('job').textContent = err.message
  }
}

function showProblem (err) {
  const problem = document.getElementById('problem')
  problem.hidden = err === undefined
  problem.textContent = err === undefined ? '' : `Cannot refresh: ${err.message}`
}

async function refresh () {
  try {
    const [{ vendors }, recent, failures] = await Promise.all([api('/vendors'), api('/jobs?limit=20'), api('/jobs?status=failed&limit=10')])
    renderVendors(vendors)
    renderJobs('#jobs', recent.jobs, (j) => [el('td', j.vendor), el('td', j.status, `status-${j.status}`), el('td', j.attempts), el('td', time(j.created_at)), el('td', time(j.updated_at))])
    renderJobs('#failures', failures.jobs, (j) => [el('td', j.vendor), el('td', j.attempts), el('td', time(j.updated_at)), el('td', j.error ?? j.last_error ?? '', 'error')])
    if (shownJob !== undefined) await showJob(shownJob)
    document.getElementById('updated').textContent = `updated ${new Date().toLocaleTimeString()}`
    showProblem(undefined)
  } catch (err) {
    showProblem(err)
  }
}

async function loop () {
  await refresh()
  setTimeout(loop, REFRESH_MS)
}

document.addEventListener('DOMContentLoaded', () => {
  const saved = sessionStorage.getItem('vfs-admin-token')
  if (saved !== null) document.getElementById('token').value = saved
  document.getElementById('token').addEventListener('change', () => {
    sessionStorage.setItem('vfs-admin-token', token())
    refresh()
  })
  document.getElementById('admin').addEventListener('submit', (event) => event.preventDefault())
  document.getElementById('lookup').addEventListener('submit', (event) => {
    event.preventDefault()
    const id = document.getElementById('job-id').value.trim()
    if (id !== '') showJob(id)
  })
  loop()
})
