import { test } from 'tap'
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../../core/input/json-depth.js'

const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`

test('nesting up to the limit passes and one level more does not, for arrays and objects alike', async (t) => {
  t.equal(MAX_JSON_DEPTH, 64)
  t.notOk(nestsDeeperThan(nested(64), 64))
  t.ok(nestsDeeperThan(nested(65), 64))
  t.notOk(nestsDeeperThan(`${'{"a":'.repeat(63)}{}${'}'.repeat(63)}`, 64))
  t.ok(nestsDeeperThan(`${'{"a":'.repeat(64)}[]${'}'.repeat(64)}`, 64))
  t.notOk(nestsDeeperThan(`[${nested(63)},${nested(63)},{"b":${nested(62)}}]`, 64), 'siblings do not add up')
})

test('brackets inside strings, escaped quotes included, do not count', async (t) => {
  t.notOk(nestsDeeperThan(JSON.stringify({ text: '['.repeat(100) }), 64))
  t.notOk(nestsDeeperThan(JSON.stringify({ text: `a "quoted" \\ ${'{'.repeat(100)}` }), 64))
  t.ok(nestsDeeperThan(JSON.stringify({ text: 'say "hi"', deep: JSON.parse(nested(64)) }), 64), 'and after a string the count goes on')
})

test('a megabyte of brackets is scanned without recursion', async (t) => {
  t.ok(nestsDeeperThan('['.repeat(1024 * 1024), 64))
  t.notOk(nestsDeeperThan('[]'.repeat(512 * 1024), 64))
})
