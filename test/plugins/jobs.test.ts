import { Ajv } from 'ajv'
import { test } from 'tap'
import { JOB_FIELDS, type Job } from '../../core/job.js'
import { toView } from '../../plugins/jobs.js'
import { JobReply, sharedSchemas } from '../../routes/schemas.js'

/** A job with every optional field set, as a store would read it back. */
const FULL: Required<Job> = {
  id: '6f1c1c2e-8f0a-4d0e-9a53-2d1b4f5e6a7b',
  vendor: 'syncVendor',
  team: 'growth',
  status: 'failed',
  payload: { userId: 1 },
  result: { name: 'Ada' },
  error: 'the vendor refused it',
  lastError: 'HTTP 503',
  attempts: 2,
  createdAt: 1_800_000_000_000,
  updatedAt: 1_800_000_001_000,
  nextAttemptAt: 1_800_000_002_000,
  deadline: 1_800_000_003_000,
  holder: 'entry#1',
  waiting: 'callback',
  vendorRef: 'v-1',
  trace: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  pages: { items: [], pages: 1, next: {}, attempts: 1 },
  batchId: '0b7e0b3a-54b1-4a55-9c39-6b0b8a7f9d11',
  notify: { url: 'https://hooks.example/x', status: 'failed', attempts: 3, lastError: 'HTTP 500', due: 1_800_000_004_000 },
  endedAt: 1_800_000_001_000,
  source: 'coalesced',
  cacheKey: 'a'.repeat(64),
  leader: '1d2c3b4a-0000-4000-8000-000000000001',
  cost: 0.03
}

test('GET /jobs/{id} shows the job\'s own fields and every field the job table names for it, each as the contract says', async (t) => {
  const view = toView(FULL)
  const named = Object.values(JOB_FIELDS).flatMap((rule) => 'view' in rule ? [rule.view] : [])
  t.same(Object.keys(view).sort(), ['request_id', 'status', 'vendor', 'team', 'created_at', 'updated_at', 'attempts', ...named].sort(), 'the table names what the view shows')
  t.same(Object.keys(JobReply.properties).sort(), Object.keys(view).sort(), 'and the reply schema has exactly those properties')
  // Formats aside (the contract's property test checks them on live answers): the shape and the types.
  const ajv = new Ajv({ strict: false, validateFormats: false })
  for (const schema of sharedSchemas) ajv.addSchema(schema)
  const valid = ajv.validate('JobReply', view)
  t.ok(valid, `the view validates against JobReply: ${ajv.errorsText()}`)
  t.match(view, { next_attempt_at: '2027-01-15T08:00:02.000Z', notify: { status: 'failed', attempts: 3, last_error: 'HTTP 500' } }, 'times as ISO 8601, the webhook without its URL')
  t.notOk('url' in (view.notify ?? {}), 'the notify URL is not shown')
})
