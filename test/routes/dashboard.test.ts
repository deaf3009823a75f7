import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import t, { test } from 'tap'
import { listenTestApp, startMocks, type TestContext, waitFor } from '../helper.js'
import { skipLoudly } from '../redis-server.js'

/** Debian's Chromium: a test tool's own browser download is not possible on these machines. */
const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const ARTIFACTS = new URL('../artifacts/', import.meta.url)
const TOKEN = 'a-test-admin-token-of-some-length'

const skip = skipLoudly(t, 'dashboard (Chromium)', existsSync(CHROMIUM) ? { ok: true } : { ok: false, reason: `no ${CHROMIUM} (apt-get install -y chromium)` })

/** A page of a headless Chromium, closed when the test ends, and the console errors and page errors it had. */
async function openPage (t: TestContext) {
  const profile = mkdtempSync(join(tmpdir(), 'vfs-chromium-'))
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS })
  t.teardown(async () => {
    await browser.close()
    rmSync(profile, { recursive: true, force: true })
  })
  const problems: string[] = []
  const page = await browser.newPage()
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()) })
  page.on('pageerror', (err) => problems.push(err.message))
  return { page, problems }
}

test('the dashboard loads without a console error, shows a submitted job and a paused vendor, and pauses another with the admin token', { skip }, async (t) => {
  const { app, url } = await listenTestApp(t, { WORKER: 'off', ADMIN_TOKEN: TOKEN })
  const id = (await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor', userId: 42 } })).json().request_id as string
  await app.inject({ method: 'POST', url: '/vendors/asyncVendor/pause?reason=incident', headers: { authorization: `Bearer ${TOKEN}` } })
  const { page, problems } = await openPage(t)

  await page.goto(`${url}/dashboard`)
  const jobRow = page.locator(`#jobs tr[data-request-id="${id}"]`)
  await jobRow.waitFor({ timeout: 10_000 })
  t.match(await jobRow.textContent(), /syncVendor.*default.*pending/)
  t.match(await page.locator('#teams tr[data-team="default"]').first().textContent(), /default/, 'open mode shows its one team without a token')
  await page.locator('#vendors tr[data-vendor="asyncVendor"][data-state="paused"]').waitFor({ timeout: 10_000 })
  t.match(await page.locator('#vendors tr[data-vendor="asyncVendor"]').textContent(), /paused/)
  t.equal(await page.locator('#vendors tr[data-vendor="syncVendor"]').getAttribute('data-state'), 'ok')

  await jobRow.locator('a').click()
  await page.locator('#job', { hasText: id }).waitFor({ timeout: 10_000 })
  t.match(JSON.parse(await page.locator('#job').textContent() ?? '{}'), { request_id: id, status: 'pending', attempts: 0 })

  await page.fill('#token', TOKEN)
  await page.fill('#reason', 'from the page')
  await page.press('#token', 'Tab')
  await page.locator('#vendors tr[data-vendor="syncVendor"] button:not([disabled])').click()
  await page.locator('#vendors tr[data-vendor="syncVendor"][data-state="paused"]').waitFor({ timeout: 10_000 })
  t.match((await app.inject({ method: 'GET', url: '/vendors/syncVendor' })).json().state.admin_pause, { reason: 'from the page' })

  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS.pathname, 'dashboard.png'), fullPage: true })
  t.same(problems, [], 'no console error')
})

test('with TEAMS_FILE the dashboard asks for the admin token, then shows every team and their jobs', { skip }, async (t) => {
  const file = join(t.testdir(), 'teams.json')
  writeFileSync(file, JSON.stringify({ growth: { keys: [{ env: 'GROWTH_KEY' }], weight: 3, intake: { perSecond: 5, burst: 10 } }, risk: { keys: [{ env: 'RISK_KEY' }] } }))
  const keys = { GROWTH_KEY: 'growth-key-0123456789', RISK_KEY: 'risk-key-0123456789ab' }
  const { app, url } = await listenTestApp(t, { WORKER: 'off', ADMIN_TOKEN: TOKEN, TEAMS_FILE: file, ...keys })
  const ids: Record<string, string> = {}
  for (const [team, key] of [['growth', keys.GROWTH_KEY], ['risk', keys.RISK_KEY]]) {
    ids[team as string] = (await app.inject({ method: 'POST', url: '/jobs', headers: { authorization: `Bearer ${key}` }, payload: { vendor: 'syncVendor' } })).json().request_id
  }
  const { page, problems } = await openPage(t)
  await page.goto(`${url}/dashboard`)
  await page.locator('#jobs-note', { hasText: 'enter the admin token' }).waitFor({ timeout: 10_000 })
  t.equal(await page.locator('#jobs tbody tr').count(), 0, 'no job is shown without the token')
  await page.fill('#token', TOKEN)
  await page.press('#token', 'Tab')
  for (const [team, id] of Object.entries(ids)) {
    const row = page.locator(`#jobs tr[data-request-id="${id}"]`)
    await row.waitFor({ timeout: 10_000 })
    t.match(await row.textContent(), new RegExp(`syncVendor${team}pending`))
  }
  t.match(await page.locator('#teams tr[data-team="growth"][data-vendor="syncVendor"]').textContent(), /^growth310 per 2 ssyncVendor/)
  t.equal(await page.locator('#teams tr[data-team="risk"]').count(), 2, 'a row per vendor')
  t.ok(await page.locator('#jobs-note').isHidden())
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS.pathname, 'dashboard-teams.png'), fullPage: true })
  // The 401s before the token was entered are the browser's own console lines, not the page's errors.
  t.same(problems.filter((p) => !/401/.test(p)), [], 'no other console error')
})

/** What the page's Chart.js drew on a canvas: its datasets' points, and how many pixels it painted. */
interface Drawn { datasets: Array<{ label: string, data: Array<{ x: number, y: number } | number> }>, labels: string[], painted: number }

/** The y values of a dataset, whether its points are {x, y} or plain numbers. */
const ys = (drawn: Drawn, i: number): number[] => (drawn.datasets[i]?.data ?? []).map((p) => typeof p === 'number' ? p : p.y)

test('the dashboard draws each vendor\'s calls per second against its limit and its queue, and each team\'s spend against its budget, with Chart.js from the service itself and no CSP violation', { skip }, async (t) => {
  const file = join(t.testdir(), 'teams.json')
  writeFileSync(file, JSON.stringify({
    growth: { keys: [{ env: 'GROWTH_KEY' }], budget: { limit: 200, window: '30d' }, vendors: { syncVendor: { budget: { limit: 50, window: '1d' } } } },
    risk: { keys: [{ env: 'RISK_KEY' }] }
  }))
  const keys = { GROWTH_KEY: 'growth-key-0123456789', RISK_KEY: 'risk-key-0123456789ab' }
  const mocks = await startMocks(t)
  const { app, url } = await listenTestApp(t, { ADMIN_TOKEN: TOKEN, TEAMS_FILE: file, HISTORY_INTERVAL_MS: '200', ...keys }, mocks.vendors)
  for (let i = 0; i < 10; i++) {
    t.equal((await app.inject({ method: 'POST', url: '/jobs', headers: { authorization: `Bearer ${keys.GROWTH_KEY}` }, payload: { vendor: 'syncVendor', n: i } })).statusCode, 202)
  }
  await waitFor(async () => (await app.inject({ method: 'GET', url: '/vendors/syncVendor/history' })).json().points.some((p: { calls: number }) => p.calls > 0) || undefined, 10_000, 'calls in the history')

  const { page, problems } = await openPage(t)
  const requested: string[] = []
  page.on('request', (request) => { requested.push(request.url()) })
  // Before any script of the page: the token as a user would have typed it, and every CSP violation kept.
  // (Scripts for the browser are given as text: this project's types have no DOM.)
  await page.addInitScript({
    content: `sessionStorage.setItem('vfs-admin-token', ${JSON.stringify(TOKEN)})
      window.violations = []
      document.addEventListener('securitypolicyviolation', (event) => window.violations.push(event.violatedDirective + ' ' + event.blockedURI))`
  })
  const library = page.waitForResponse(`${url}/dashboard/chart.umd.min.js`)
  await page.goto(`${url}/dashboard`)
  t.equal((await library).status(), 200, 'the chart library is served by the service')

  const drawn = async (selector: string): Promise<Drawn> => page.evaluate(`(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)})
    const chart = Chart.getChart(canvas)
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data
    let painted = 0
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++
    return { datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })), labels: chart.data.labels ?? [], painted }
  })()`)
  const sync = await waitFor(async () => {
    if (await page.locator('canvas[data-vendor="syncVendor"]').count() === 0) return undefined
    const chart = await drawn('canvas[data-vendor="syncVendor"]')
    return ys(chart, 0).some((y) => y > 0) ? chart : undefined
  }, 15_000, 'the syncVendor chart to show calls')
  t.same(sync.datasets.map((d) => d.label), ['calls/s', 'limit/s', 'queued'])
  t.same(ys(sync, 1), [100, 100], 'the limit line at the vendor\'s rate limit')
  t.ok(ys(sync, 2).length > 0, 'the queue was drawn')
  t.ok(sync.painted > 1000, `the canvas is painted (${sync.painted} pixels)`)
  t.equal(await page.locator('#vendor-charts canvas').count(), 2, 'a chart per vendor')
  t.ok((await drawn('canvas[data-vendor="asyncVendor"]')).painted > 0, 'the other vendor\'s chart too')
  t.match(await page.locator('figure[data-vendor="syncVendor"] figcaption').textContent(), /calls\/s of 100\/s/)

  const spend = await waitFor(async () => {
    const chart = await drawn('#spend')
    return chart.labels.length > 0 ? chart : undefined
  }, 10_000, 'the spend chart')
  t.match(spend.labels, [/^growth: \d+\.\d\d of 200 per 30 d$/, /^growth · syncVendor: \d+\.\d\d of 50 per 1 d$/], 'a bar per budget, the team\'s and its vendor\'s; none for a team without one')
  t.same(spend.datasets.map((d) => d.label), ['spent, % of budget', 'left'])
  t.ok(spend.painted > 0)

  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS.pathname, 'dashboard-charts.png'), fullPage: true })
  t.same(await page.evaluate('window.violations'), [], 'no CSP violation')
  t.same(requested.filter((r) => new URL(r).origin !== url), [], 'nothing from another origin')
  t.same(problems, [], 'no console error')
})

test('the dashboard is served with a policy that lets only its own files run', async (t) => {
  const { app } = await listenTestApp(t, { WORKER: 'off' })
  const res = await app.inject({ method: 'GET', url: '/dashboard' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.match(res.headers['content-security-policy'], /default-src 'none'; script-src 'self'/)
  for (const [file, type] of [['dashboard.js', /javascript/], ['charts.js', /javascript/], ['chart.umd.min.js', /javascript/], ['dashboard.css', /css/]] as const) {
    const asset = await app.inject({ method: 'GET', url: `/dashboard/${file}` })
    t.equal(asset.statusCode, 200)
    t.match(asset.headers['content-type'], type)
  }
})
