/**
 * Summarises V8 .cpuprofile files (`node --cpu-prof`): the functions and the modules with the most self
 * time, and self time by the package or project file that caused it (native code and Node internals
 * counted to the first package or project file above them on the stack). `tsx bench/cpuprofile.ts <file or dir>...` prints the same summary for files of any run.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { ROOT } from './processes.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const IDLE = new Set(['(idle)', '(program)', '(garbage collector)'])

/** Where a function lives: a package, a Node internal, or a file of this project. */
function moduleOf (url: string): string {
  if (url === '') return '(native)'
  if (url.startsWith('node:')) return 'node: internals'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg?.[1] !== undefined) return pkg[1]
  return url.startsWith('file://') ? relative(ROOT, new URL(url).pathname) : url
}

function top (map: Map<string, number>, k: number, total: number): string[] {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, k)
    .map(([name, us]) => `    ${(100 * us / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`)
}

function load (file: string): { profile: CpuProfile, busy: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id))
  let busy = 0
  profile.samples.forEach((id, i) => { if (!idle.has(id)) busy += profile.timeDeltas[i] ?? 0 })
  return { profile, busy }
}

export function summarise (name: string, profile: CpuProfile, k = 15): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  /** The first frame at or above `id` that belongs to a package or a project file. */
  const owner = (id: number): string => {
    for (let at: number | undefined = id, depth = 0; at !== undefined && depth < 500; at = parent.get(at), depth++) {
      const url = byId.get(at)?.callFrame.url ?? ''
      if (url !== '' && !url.startsWith('node:')) return moduleOf(url)
    }
    return 'node (no package above)'
  }
  const causes = new Map<string, number>()
  const functions = new Map<string, number>()
  const modules = new Map<string, number>()
  const special = new Map<string, number>()
  let busy = 0
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)
    const us = profile.timeDeltas[i] ?? 0
    if (node === undefined) return
    const { functionName, url, lineNumber } = node.callFrame
    const fn = functionName || '(anonymous)'
    if (url === '' && (IDLE.has(fn) || fn === '(root)')) {
      special.set(fn, (special.get(fn) ?? 0) + us)
      if (fn !== '(idle)') busy += us
      return
    }
    busy += us
    const key = `${fn} ${moduleOf(url)}${lineNumber > 0 ? `:${lineNumber + 1}` : ''}`
    functions.set(key, (functions.get(key) ?? 0) + us)
    modules.set(moduleOf(url), (modules.get(moduleOf(url)) ?? 0) + us)
    causes.set(owner(id), (causes.get(owner(id)) ?? 0) + us)
  })
  const specials = [...special.entries()].map(([n, us]) => `${n} ${(us / 1000).toFixed(0)} ms`).join(', ')
  return [
    `  ${name}: ${(busy / 1000).toFixed(0)} ms busy (${specials}); self time, % of busy:`,
    '  top functions:',
    ...top(functions, k, busy),
    '  by module:',
    ...top(modules, 10, busy),
    '  by the package or project file that caused it:',
    ...top(causes, 12, busy)
  ].join('\n')
}

/** The busiest profile of each process folder under `dir` (its main thread), or of the files given. */
export function summariseProfiles (path: string): string {
  const groups = statSync(path).isDirectory()
    ? readdirSync(path).map((entry) => join(path, entry))
    : [path]
  const out: string[] = []
  for (const group of groups.sort()) {
    const files = statSync(group).isDirectory()
      ? readdirSync(group).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(group, f))
      : group.endsWith('.cpuprofile') ? [group] : []
    const busiest = files.map(load).sort((a, b) => b.busy - a.busy)[0]
    if (busiest !== undefined) out.push(summarise(basename(group), busiest.profile))
  }
  return out.length === 0 ? `no .cpuprofile under ${path}` : [`CPU profiles under ${path}:`, ...out].join('\n\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const path of process.argv.slice(2)) console.log(summariseProfiles(path))
}
