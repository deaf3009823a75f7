import { test } from 'tap'
import { checkPath } from '../../../vendors/adapters/path.js'

const ORIGIN = 'https://api.vendor.test'
const check = (path: string) => checkPath('v', 'request.path', ORIGIN, path)

test('a path with plain segments, encoded values and any query passes as it is', async (t) => {
  for (const path of ['/', '/users/octocat', '/a%20b/c.json', '/v1/x?next=../y&q=%2F', '/a..b/.c/d.', '/%41']) t.equal(check(path), path, path)
})

test('a dot segment, an encoded slash or backslash, however often encoded, and another origin are refused', async (t) => {
  const refused = ['/..', '/a/../b', '/./a', '/a/.', '/%2e%2e/x', '/%2E%2e', '/.%2E/', '/%252e%252e/x', '/%25252e%25252e/x', '/a%2fb', '/a%5Cb', '/a%255Cb',
    '//evil.test/x', 'https://evil.test/x', '/\\evil', 'x', '', '/a#b', '/a b', '/ü']
  for (const path of refused) t.throws(() => check(path), { name: 'MappingError', message: /^vendor "v": request\.path: yielded / }, path)
})
