// The dashboard's pictures, drawn with Chart.js (the global `Chart` of /dashboard/chart.umd.min.js, which the
// service serves from its own node_modules): each vendor's calls per second against its limit and its queue
// over the last 15 minutes, and each team's spend against its budget. Charts are made once and updated in
// place, without animation, at every refresh; every text goes in through textContent or Chart.js's canvas.
const COLORS = { calls: '#1d4ed8', limit: '#a6120d', queue: '#b45309', queueFill: 'rgba(180, 83, 9, 0.12)', spent: '#1d4ed8', left: '#d7dce5' }
const vendorCharts = new Map()
let spendChart

const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
const rate = (n) => (n >= 10 ? n.toFixed(0) : n.toFixed(1))

/** A window in ms as people say it: 30 d, 1 h, 90 s. */
function span (ms) {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000]]) if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`
  return `${ms / 1000} s`
}

function vendorFigure (name) {
  const figure = document.createElement('figure')
  figure.dataset.vendor = name
  const caption = document.createElement('figcaption')
  caption.append(document.createTextNode(name), document.createElement('span'))
  const box = document.createElement('div')
  box.className = 'chart-box'
  const canvas = document.createElement('canvas')
  canvas.dataset.vendor = name
  canvas.setAttribute('role', 'img')
  canvas.setAttribute('aria-label', `${name}: calls per second against its limit, and its queue, over the last 15 minutes`)
  box.append(canvas)
  figure.append(caption, box)
  document.getElementById('vendor-charts').append(figure)
  const chart = new Chart(canvas, {
    type: 'line',
    data: {
      datasets: [
        { label: 'calls/s', data: [], yAxisID: 'rate', borderColor: COLORS.calls, backgroundColor: COLORS.calls, borderWidth: 1.5, pointRadius: 0 },
        { label: 'limit/s', data: [], yAxisID: 'rate', borderColor: COLORS.limit, backgroundColor: COLORS.limit, borderWidth: 1, borderDash: [6, 4], pointRadius: 0 },
        { label: 'queued', data: [], yAxisID: 'queue', borderColor: COLORS.queue, backgroundColor: COLORS.queueFill, borderWidth: 1, pointRadius: 0, fill: true }
      ]
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: { type: 'linear', ticks: { callback: clock, maxTicksLimit: 6 } },
        rate: { position: 'left', beginAtZero: true, title: { display: true, text: 'calls/s' } },
        queue: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 }, title: { display: true, text: 'queued' } }
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12 } },
        tooltip: { callbacks: { title: (items) => (items.length === 0 ? '' : new Date(items[0].parsed.x).toLocaleTimeString()) } }
      }
    }
  })
  return { figure, chart }
}

/** One vendor's GET /vendors/{name}/history drawn; the line of its limit spans the whole window. */
export function drawVendorHistory (history) {
  const { chart, figure } = vendorCharts.get(history.vendor) ?? vendorCharts.set(history.vendor, vendorFigure(history.vendor)).get(history.vendor)
  const now = Date.now()
  const from = now - history.window_ms
  const points = history.points.map((p) => ({ ...p, x: Date.parse(p.at) }))
  const [calls, limit, queued] = chart.data.datasets
  calls.data = points.map((p) => ({ x: p.x, y: p.calls_per_second }))
  limit.data = [{ x: from, y: history.limit.per_second }, { x: now, y: history.limit.per_second }]
  queued.data = points.filter((p) => p.queue !== undefined).map((p) => ({ x: p.x, y: p.queue.ready + p.queue.delayed }))
  Object.assign(chart.options.scales.x, { min: from, max: now })
  chart.options.scales.rate.suggestedMax = history.limit.per_second * 1.1
  chart.update('none')
  const last = points.at(-1)
  figure.querySelector('figcaption span').textContent = last === undefined
    ? `limit ${history.limit.per_second}/s; nothing counted yet`
    : `${rate(last.calls_per_second)} calls/s of ${history.limit.per_second}/s${last.queue === undefined ? '' : `, ${last.queue.ready + last.queue.delayed} queued`} at ${clock(last.x)}`
}

/** Every budget of these teams (the team's and its per-vendor ones) as a bar: spent, and what is left, in % of the limit. */
export function drawSpend (teams) {
  const rows = teams.flatMap((team) => [
    ...(team.budget === undefined ? [] : [{ label: team.name, budget: team.budget }]),
    ...team.vendors.filter((v) => v.budget !== undefined).map((v) => ({ label: `${team.name} · ${v.name}`, budget: v.budget }))
  ]).map(({ label, budget }) => {
    // Spend is shown where the service counts it; until then a budget shows as untouched.
    const spent = budget.spent ?? 0
    const share = budget.limit > 0 ? Math.min(100, (spent / budget.limit) * 100) : 100
    return { label: `${label}: ${spent.toFixed(2)} of ${budget.limit} per ${span(budget.window)}`, spent: share, left: 100 - share }
  })
  const note = document.getElementById('spend-note')
  note.hidden = rows.length > 0 || teams.length === 0
  note.textContent = 'no team has a budget (TEAMS_FILE: budget, or vendors.<vendor>.budget)'
  const box = document.getElementById('spend-box')
  box.hidden = rows.length === 0
  // CSSOM, which the page's policy allows: a bar per budget, whatever their number.
  box.style.height = `${4 + rows.length * 2.2}rem`
  const labels = rows.map((r) => r.label)
  if (spendChart === undefined) {
    spendChart = new Chart(document.getElementById('spend'), {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { label: 'spent, % of budget', data: [], backgroundColor: COLORS.spent, stack: 'budget' },
          { label: 'left', data: [], backgroundColor: COLORS.left, stack: 'budget' }
        ]
      },
      options: {
        indexAxis: 'y',
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { stacked: true, min: 0, max: 100, ticks: { callback: (v) => `${v}%` } }, y: { stacked: true } },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } }
      }
    })
  }
  spendChart.data.labels = labels
  spendChart.data.datasets[0].data = rows.map((r) => r.spent)
  spendChart.data.datasets[1].data = rows.map((r) => r.left)
  spendChart.update('none')
}
