import { test } from 'tap'
import { isWebhookSecret, notifyUrlProblem } from '../../../core/notify/settings.js'

test('a completion webhook may call only an http(s) host and port the operator listed', async (t) => {
  const allowed = ['hooks.example', 'receiver.example:8443', '127.0.0.1:4000', '[::1]:5000']
  for (const url of ['https://hooks.example/vfs', 'http://hooks.example/x?y=1', 'https://HOOKS.example:443/a', 'https://receiver.example:8443/in',
    'http://127.0.0.1:4000/hook', 'http://[0:0::1]:5000/']) {
    t.equal(notifyUrlProblem(url, allowed), undefined, `${url} may be called`)
  }
  const refused: Array<[string, RegExp]> = [
    ['http://169.254.169.254/latest/meta-data/', /host 169\.254\.169\.254 is not one the operator allowed/],
    ['http://hooks.example:8080/vfs', /host hooks\.example:8080 is not one/],
    ['https://receiver.example/in', /host receiver\.example is not one/],
    ['http://127.0.0.1:4001/hook', /not one the operator allowed/],
    ['http://localhost:4000/hook', /not one the operator allowed/],
    ['file:///etc/passwd', /scheme file: is not http: or https:/],
    ['gopher://hooks.example/', /scheme gopher:/],
    ['https://user:pass@hooks.example/', /user info/],
    ['not a url', /not a URL/],
    ['https://hooks.example.evil.example/', /not one the operator allowed/]
  ]
  for (const [url, problem] of refused) t.match(notifyUrlProblem(url, allowed), problem, `${url} is refused`)
  t.match(notifyUrlProblem('https://hooks.example/', []), /\(none is\)/, 'nothing is allowed by default')
})

test('a signing secret is a Standard Webhooks secret of at least 24 bytes', async (t) => {
  t.ok(isWebhookSecret(`whsec_${Buffer.alloc(24, 7).toString('base64')}`))
  t.notOk(isWebhookSecret(Buffer.alloc(24, 7).toString('base64')), 'without its prefix')
  t.notOk(isWebhookSecret(`whsec_${Buffer.alloc(16, 7).toString('base64')}`), 'too short')
  t.notOk(isWebhookSecret('whsec_not base64!'), 'not base64')
})
