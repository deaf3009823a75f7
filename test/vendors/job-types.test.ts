import { Ajv } from 'ajv'
import { test } from 'tap'
import { mergeVendors } from '../../vendors/config.js'
import { jobTypeComponents, payloadCheck } from '../../vendors/job-types.js'

const vendors = mergeVendors({}, {
  files: {
    mode: 'sync',
    url: 'http://127.0.0.1:9',
    types: {
      upload: {
        payload: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string' } } },
        request: { path: "'/files/' & payload.name", body: 'payload' }
      }
    }
  }
})
const files = vendors.get('files')
if (files === undefined) throw new Error('no vendor')

test("a type's schema sees the payload without `type`: a strict schema need not list it", async (t) => {
  const check = payloadCheck(files)
  t.equal(check({ type: 'upload', name: 'a.png' }), undefined)
  t.equal(check({ type: 'upload', name: 'a.png', extra: 1 }), 'upload payload: must NOT have additional properties')
  t.equal(check({ type: 'upload' }), 'upload payload field "name": must have required property \'name\'')
  t.equal(check({ type: 'other', name: 'a' }), '"type" must be one of files\'s job types: upload')
})

test('the published body of a type names vendor and type beside a strict schema, and accepts what the service accepts', async (t) => {
  const schema = jobTypeComponents([files]).Job_files_upload as object
  const validate = new Ajv({ strict: false }).compile(schema)
  t.ok(validate({ vendor: 'files', type: 'upload', name: 'a.png' }), JSON.stringify(validate.errors))
  t.notOk(validate({ vendor: 'files', type: 'upload', name: 'a.png', extra: 1 }))
  t.notOk(validate({ vendor: 'files', type: 'other', name: 'a.png' }))
})
