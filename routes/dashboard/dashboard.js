// The dashboard: reads GET /vendors, each vendor's history, /jobs and the teams every few seconds, and draws
// the charts (charts.js); pause and resume with the admin token. With TEAMS_FILE the jobs and teams of every
// team need the admin token, which every read then carries. Everything shown goes in through textContent, never as markup.
import { drawSpend, drawVendorHistory } from './charts.js'

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
  const auth = token() === '' ? {} : { authorization: `Bearer ${token()}` }
  const res = await fetch(path, { ...init, headers: { accept: 'application/json', ...auth, ...init.headers } })
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
      await api(`/vendors/${encodeURIComponent(v.name)}/${paused ? 'resume' : 'pause'}${query}`, { method: 'POST' })
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

/** Each team a row per vendor: what it may use, and what it used where the service counts it. */
function renderTeams (teams) {
  const rows = teams.flatMap((team) => team.vendors.map((v, i) => {
    const row = el('tr')
    row.dataset.team = team.name
    row.dataset.vendor = v.name
    const quotas = v.quotas.map((q) => `${q.used === undefined ? '' : `${q.used}/`}${q.limit} per ${q.window / 1000} s`).join(', ')
    const intake = team.intake === undefined ? 'unlimited' : `${team.intake.burst} per ${team.intake.window / 1000} s`
    row.append(
      el('td', i === 0 ? team.name : ''), el('td', i === 0 ? team.weight : ''), el('td', i === 0 ? intake : ''), el('td', v.name), el('td', quotas),
      el('td', v.queued ?? ''), el('td', v.calls ?? ''), el('td', v.share === undefined ? '' : `${Math.round(v.share * 100)}%`)
    )
    return row
  }))
  document.querySelector('#teams tbody').replaceChildren(...rows)
}

/** A section that could not be read says why (a 401 asks for the admin token) and shows nothing stale. */
function note (id, err) {
  const node = document.getElementById(id)
  node.hidden = err === undefined
  node.textContent = err === undefined ? '' : /^401 /.test(err.message) ? 'enter the admin token to see every team' : err.message
}

async function section (id, read, render, empty) {
  try {
    render(await read())
    note(id, undefined)
  } catch (err) {
    render(empty)
    note(id, err)
  }
}

/** A chart that cannot be drawn says why where it would be, and leaves the teams' table alone. */
function drawSpendOrSay (teams) {
  try {
    drawSpend(teams)
  } catch (err) {
    note('spend-note', err)
  }
}

/** Every team with the admin token; without it, the caller's own team (open mode's default). */
const readTeams = async () => token() === '' ? [await api('/teams/me')] : (await api('/teams')).teams

function showProblem (err) {
  const problem = document.getElementById('problem')
  problem.hidden = err === undefined
  problem.textContent = err === undefined ? '' : `Cannot refresh: ${err.message}`
}

async function refresh () {
  try {
    const { vendors } = await api('/vendors')
    renderVendors(vendors)
    await Promise.all([
      section('charts-note', () => Promise.all(vendors.map((v) => api(`/vendors/${encodeURIComponent(v.name)}/history`))), (histories) => histories.forEach(drawVendorHistory), []),
      section('teams-note', readTeams, (teams) => { renderTeams(teams); drawSpendOrSay(teams) }, []),
      section('jobs-note', () => Promise.all([api('/jobs?limit=20'), api('/jobs?status=failed&limit=10')]), ([recent, failures]) => {
        renderJobs('#jobs', recent.jobs, (j) => [el('td', j.vendor), el('td', j.team), el('td', j.status, `status-${j.status}`), el('td', j.attempts), el('td', time(j.created_at)), el('td', time(j.updated_at))])
        renderJobs('#failures', failures.jobs, (j) => [el('td', j.vendor), el('td', j.team), el('td', j.attempts), el('td', time(j.updated_at)), el('td', j.error ?? j.last_error ?? '', 'error')])
      }, [{ jobs: [] }, { jobs: [] }])
    ])
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
