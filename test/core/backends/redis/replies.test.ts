import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { projectRoot } from '../../../../core/project-root.js'
import { redisKeys } from '../../../../core/backends/redis/keys.js'
import { SETTLED, TAKEN } from '../../../../core/backends/redis/queue.js'

// take.lua answers, and settle.lua reads, fields by position: the scripts' strides and headers must be
// the counts queue.ts reads and writes (its SettleFields tuple holds the settlement's count at compile time).
const script = (name: string): string => readFileSync(join(projectRoot(import.meta.url), 'core', 'backends', 'redis', 'scripts', `${name}.lua`), 'utf8')
const numbers = (text: string, pattern: RegExp): number[] => [...text.matchAll(pattern)].map((m) => Number(m[1]))

test('take.lua answers as many fields per delivery as queue.ts reads', async (t) => {
  const lua = script('take')
  t.same(numbers(lua, /for i = 5, #out, (\d+) do/g), [TAKEN], 'its loop over the deliveries steps by them')
  t.same(numbers(lua, /\(#out - 4\) \/ (\d+)/g), [TAKEN], 'and it counts the deliveries by them')
  const listed = /then per delivery: ([^}]+) }/.exec(lua)?.[1]?.split(',') ?? []
  t.equal(listed.length, TAKEN, `its header lists them: ${listed.map((f) => f.trim()).join(', ')}`)
})

test('settle.lua reads as many fields per delivery as queue.ts sends', async (t) => {
  const lua = script('settle')
  const loops = numbers(lua, /for i = 17, #ARGV, (\d+) do/g)
  t.ok(loops.length >= 2, 'it reads and then applies the deliveries')
  t.same(loops, loops.map(() => SETTLED), 'every loop over them steps by SETTLED')
  t.same(numbers(lua, /per delivery, (\d+) fields/g), [SETTLED], 'and its header says so')
})

test('every key a script builds from a vendor\'s prefix is one keys.ts builds, and the group is keys.ts\'s', async (t) => {
  const keys = redisKeys('p')
  const vendor = keys.vendor('v')
  // What follows the vendor's prefix in each of its keys: whole, or up to a function's first argument.
  const MARK = '\u0001'
  const built = Object.values(vendor).flatMap((key) => typeof key === 'string' ? [key] : [(key as (...args: string[]) => string)(MARK, MARK).split(MARK)[0] ?? ''])
    .filter((key) => key.startsWith(vendor.base) && key !== vendor.base).map((key) => key.slice(vendor.base.length))
  const dir = join(projectRoot(import.meta.url), 'core', 'backends', 'redis', 'scripts')
  const sources = [...readdirSync(dir).filter((f) => f.endsWith('.lua')).map((f) => join(dir, f)), ...readdirSync(join(dir, 'includes')).map((f) => join(dir, 'includes', f))]
    .map((file) => readFileSync(file, 'utf8'))
  const suffixes = new Set(sources.flatMap((lua) => [...lua.matchAll(/(?:base|ARGV\[\d+\]) \.\. '([a-z:-]+)'/g)].map((m) => m[1] as string)))
  t.ok(suffixes.size > 5, `the scripts build ${[...suffixes].join(', ')}`)
  for (const suffix of suffixes) t.ok(built.some((key) => key === suffix || (key.endsWith(':') && suffix.startsWith(key))), `${suffix}: a key of keys.ts`)
  const groups = new Set(sources.flatMap((lua) => [...lua.matchAll(/'(workers)'/g)].map((m) => m[1])))
  t.same([...groups], [keys.group], 'the consumer group the scripts name is keys.group')
})
