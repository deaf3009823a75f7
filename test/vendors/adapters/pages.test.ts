import { test } from 'tap'
import { compileVendor } from '../../../vendors/adapters/mapping.js'
import { parseLinks, readPage } from '../../../vendors/adapters/pages.js'

const vendor = (pages: Record<string, unknown>) => {
  const compiled = compileVendor('v', { mode: 'sync', url: 'https://api.vendor.test', request: { method: 'GET', path: "'/items'" }, pages }, { env: {} })
  if (compiled.call.pages === undefined) throw new Error('no pages')
  return { compiled, pages: compiled.call.pages }
}

const LINK = '<https://api.vendor.test/items?page=3>; rel="next", <https://api.vendor.test/items?page=9>; rel="last", <https://api.vendor.test/items?page=1>; rel="prev first"'

test("a Link header's rels, GitHub's way", async (t) => {
  t.same(parseLinks(LINK), {
    next: 'https://api.vendor.test/items?page=3', last: 'https://api.vendor.test/items?page=9', prev: 'https://api.vendor.test/items?page=1', first: 'https://api.vendor.test/items?page=1'
  })
  t.same(parseLinks(undefined), {})
  t.same(parseLinks('garbage'), {})
})

test('a page by Link: its records join those read before, and the next call goes where the link says', async (t) => {
  const { compiled, pages } = vendor({ next: 'links.next', items: 'body' })
  const first = await readPage(compiled, pages, { status: 200, headers: { link: LINK }, body: [{ n: 1 }, { n: 2 }] }, undefined)
  t.same(first, { kind: 'page', progress: { items: [{ n: 1 }, { n: 2 }], pages: 1, next: { link: '/items?page=3' } } })
  const last = await readPage(compiled, pages, { status: 200, headers: {}, body: [{ n: 3 }] }, { items: [{ n: 1 }, { n: 2 }], pages: 1, next: { link: '/items?page=3' }, attempts: 1 })
  t.same(last, { kind: 'result', result: { items: [{ n: 1 }, { n: 2 }, { n: 3 }], pages: 2 } })
})

test('a page by cursor: next yields the query to send, and `page` counts the pages', async (t) => {
  const { compiled, pages } = vendor({ next: "body.has_more ? { 'query': { 'starting_after': body.data[-1].id, 'page': page } }", items: 'body.data' })
  const page = await readPage(compiled, pages, { status: 200, headers: {}, body: { has_more: true, data: [{ id: 'c1' }, { id: 'c2' }] } }, undefined)
  t.same(page, { kind: 'page', progress: { items: [{ id: 'c1' }, { id: 'c2' }], pages: 1, next: { query: { starting_after: ['c2'], page: ['1'] } } } })
  const end = await readPage(compiled, pages, { status: 200, headers: {}, body: { has_more: false, data: [] } }, undefined)
  t.same(end, { kind: 'result', result: { items: [], pages: 1 } })
})

test('maxPages and maxItems end the job with what was read, whatever next says', async (t) => {
  const capped = vendor({ next: "'/items?more'", items: 'body', maxPages: 2, maxItems: 3 })
  const first = await readPage(capped.compiled, capped.pages, { status: 200, headers: {}, body: [1] }, undefined)
  t.match(first, { kind: 'page' })
  t.same(await readPage(capped.compiled, capped.pages, { status: 200, headers: {}, body: [2] }, { items: [1], pages: 1, next: {}, attempts: 1 }),
    { kind: 'result', result: { items: [1, 2], pages: 2 } }, 'maxPages')
  t.same(await readPage(capped.compiled, capped.pages, { status: 200, headers: {}, body: [1, 2, 3, 4] }, undefined),
    { kind: 'result', result: { items: [1, 2, 3], pages: 1 } }, 'maxItems cuts the records too')
  t.equal(vendor({ next: 'x', items: 'y' }).pages.maxPages, 10, 'ten pages by default')
})

test('a next page elsewhere than on the origin, or climbing out of its path, is refused', async (t) => {
  for (const next of ["'https://evil.test/items?page=2'", "'//evil.test/x'", "'/items/../admin'", "{ 'path': '/a/%2e%2e/b' }", "{ 'query': { 'a': { 'b': 1 } } }", "{ 'url': '/x' }", '[1]']) {
    const { compiled, pages } = vendor({ next, items: 'body' })
    await t.rejects(readPage(compiled, pages, { status: 200, headers: {}, body: [] }, undefined), { name: 'MappingError', message: /^vendor "v": pages\.next/ }, next)
  }
  for (const next of ['nothing', 'null', 'false', '{}', "''"]) {
    const { compiled, pages } = vendor({ next, items: 'body' })
    t.match(await readPage(compiled, pages, { status: 200, headers: {}, body: [] }, undefined), { kind: 'result' }, `${next} ends it`)
  }
})

/** A paged vendor whose key goes in the query (api_key=k-SECRET-42). */
function queryKeyVendor () {
  const compiled = compileVendor('v', {
    mode: 'sync', url: 'https://api.vendor.test', auth: { type: 'query', name: 'api_key', value: { env: 'KEY' } }, request: { method: 'GET', path: "'/items'" }, pages: { next: 'links.next', items: 'body' }
  }, { env: { KEY: 'k-SECRET-42' } })
  const pages = compiled.call.pages
  if (pages === undefined) throw new Error('no pages')
  return { compiled, pages }
}

test("a link repeating our query key is kept without it: the job never holds the key, and the next call's auth adds it again", async (t) => {
  const { compiled, pages } = queryKeyVendor()
  const page = await readPage(compiled, pages, { status: 200, headers: { link: '<https://api.vendor.test/items?page=2&api_key=k-SECRET-42>; rel="next"' }, body: [1] }, undefined)
  t.same(page, { kind: 'page', progress: { items: [1], pages: 1, next: { link: '/items?page=2' } } })
})

test('a refused link that repeats our query key, and records that echo it, never show the key', async (t) => {
  const { compiled, pages } = queryKeyVendor()
  for (const link of ['https://api2.vendor.test/items?page=2&api_key=k-SECRET-42', 'https://api.vendor.test/items#x?api_key=k-SECRET-42']) {
    const err = await readPage(compiled, pages, { status: 200, headers: { link: `<${link}>; rel="next"` }, body: [1] }, undefined).catch((e: Error) => e)
    t.match(err, { name: 'MappingError' }, link)
    t.notMatch((err as Error).message, /k-SECRET-42/, 'the key is not in the job\'s error')
  }
  const echoed = await readPage(compiled, pages, { status: 200, headers: {}, body: [{ url: 'https://api.vendor.test/items?api_key=k-SECRET-42' }] }, undefined)
  t.notMatch(JSON.stringify(echoed), /k-SECRET-42/, 'nor in the records kept')
})
