import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import t, { test } from 'tap'
import { listenTestApp } from '../helper.js'
import { skipLoudly } from '../redis-server.js'

/** Debian's Chromium: a test tool's own browser download is not possible on these machines. */
const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const ARTIFACTS = new URL('../artifacts/', import.meta.url)
const TOKEN = 'a-test-admin-token-of-some-length'

const skip = skipLoudly(t, 'dashboard (Chromium)', existsSync(CHROMIUM) ? { ok: true } : { ok: false, reason: `no ${CHROMIUM} (apt-get install -y chromium)` })

test('the dashboard loads without a console error, shows a submitted job and a paused vendor, and pauses another with the admin token', { skip }, async (t) => {
  const { app, url } = await listenTestApp(t, { WORKER: 'off', ADMIN_TOKEN: TOKEN })
  const id = (await app.inject({ method: 'POST', url: '/jobs', payload: { vendor: 'syncVendor', userId: 42 } })).json().request_id as string
  await app.inject({ method: 'POST', url: '/vendors/asyncVendor/pause?reason=incident', headers: { authorization: `Bearer ${TOKEN}` } })

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

  await page.goto(`${url}/dashboard`)
  const jobRow = page.locator(`#jobs tr[data-request-id="${id}"]`)
  await jobRow.waitFor({ timeout: 10_000 })
  t.match(await jobRow.textContent(), /syncVendor.*pending/)
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

test('the dashboard is served with a policy that lets only its own files run', async (t) => {
  const { app } = await listenTestApp(t, { WORKER: 'off' })
  const res = await app.inject({ method: 'GET', url: '/dashboard' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.match(res.headers['content-security-policy'], /default-src 'none'; script-src 'self'/)
  for (const [file, type] of [['dashboard.js', /javascript/], ['dashboard.css', /css/]] as const) {
    const asset = await app.inject({ method: 'GET', url: `/dashboard/${file}` })
    t.equal(asset.statusCode, 200)
    t.match(asset.headers['content-type'], type)
  }
})
