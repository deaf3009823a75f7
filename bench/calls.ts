import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import { type Pipeline, throughput } from './throughput.js'

/**
 * Redis calls per completed job, counted from Redis's side. INFO commandstats also counts the commands a
 * Lua script runs, so it cannot tell a client's calls from a script's work; MONITOR can: it shows each
 * command with its source, `[db ip:port]` for a client's and `[db lua]` for one a script ran. One batch
 * with its workers warm is run with a MONITOR connection open, and each client line is attributed by its
 * connection: the producer's (known by its local port), the bench's own (polling, stats: left out) and
 * everything else, which is the worker path.
 */
export interface Calls {
  jobs: number
  completed: number
  /** Client commands per completed job: the producer's, the worker path's, and both. */
  producer: number
  workerPath: number
  total: number
  /** INFO commandstats over the batch per completed job, script-internal commands included, the bench's own left out. */
  commandstats: number
  /** Commands run inside scripts per completed job (MONITOR's `lua` lines). */
  scriptInternal: number
  /** Connections that sent commands during the batch. */
  connections: { producer: number, workerPath: number }
  /** Per completed job, by command (EVALSHA by the script's name); inside scripts: all scripts' together. */
  byCommand: { producer: Record<string, number>, workerPath: Record<string, number>, insideScripts: Record<string, number> }
  seconds: number
}

/** What the counting needs of a side beyond its pipeline. */
export interface Counted {
  pipeline: Pipeline
  url: string
  /** The bench's own connection to this Redis (polling): left out. */
  benchPorts (): number[]
  producerPorts (): number[]
  /** Script SHA1 -> name, for the breakdown. */
  scripts (): Map<string, string>
}

type Tally = Map<string, Map<string, number>>

/** A raw MONITOR connection: counts commands by source and name, parsing no more of each line than that. */
async function monitor (url: string): Promise<{ tally: Tally, port: number, stop (): Promise<void> }> {
  const { hostname, port } = new URL(url)
  const socket: Socket = connect(Number(port), hostname)
  await once(socket, 'connect')
  socket.setEncoding('utf8')
  const tally: Tally = new Map()
  let rest = ''
  let ok: (() => void) | undefined
  const ready = new Promise<void>((resolve) => { ok = resolve })
  const count = (line: string): void => {
    if (line === '+OK') {
      ok?.()
      return
    }
    // +1700000000.123456 [0 127.0.0.1:50000] "evalsha" "<sha>" "1" ...
    const open = line.indexOf('[')
    const close = line.indexOf(']', open)
    if (open < 0 || close < 0) return
    const source = line.slice(line.indexOf(' ', open) + 1, close)
    const q1 = line.indexOf('"', close)
    const q2 = line.indexOf('"', q1 + 1)
    let name = line.slice(q1 + 1, q2).toLowerCase()
    if (name === 'evalsha' || name === 'evalsha_ro') {
      const q3 = line.indexOf('"', q2 + 1)
      name = `sha:${line.slice(q3 + 1, line.indexOf('"', q3 + 1))}`
    }
    const bySource = tally.get(source) ?? new Map<string, number>()
    if (bySource.size === 0) tally.set(source, bySource)
    bySource.set(name, (bySource.get(name) ?? 0) + 1)
  }
  socket.on('data', (chunk: string) => {
    const text = rest + chunk
    let start = 0
    for (let end = text.indexOf('\r\n'); end >= 0; end = text.indexOf('\r\n', start)) {
      count(text.slice(start, end))
      start = end + 2
    }
    rest = text.slice(start)
  })
  socket.on('error', () => {})
  socket.write('MONITOR\r\n')
  await ready
  return {
    tally,
    port: socket.localPort ?? 0,
    async stop () {
      socket.destroy()
    }
  }
}

/** Every command INFO commandstats counted, by name. */
async function commandstats (redis: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const [, name, calls] of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    out.set(String(name).toLowerCase(), Number(calls))
  }
  return out
}

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0)

function add (into: Map<string, number>, from: Map<string, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v)
}

function perJob (m: Map<string, number>, jobs: number, scripts: Map<string, string>): Record<string, number> {
  const named = new Map<string, number>()
  for (const [k, v] of m) {
    const name = k.startsWith('sha:') ? scripts.get(k.slice(4)) ?? `evalsha ${k.slice(4, 12)}` : k
    named.set(name, (named.get(name) ?? 0) + v)
  }
  return Object.fromEntries([...named].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round((v / jobs) * 1000) / 1000]))
}

/** Not the work measured: the counting's own commands as commandstats sees them. */
const ADMIN = new Set(['monitor', 'config', 'info', 'client'])

/** One batch of `n` jobs through a warm side, counted; see Calls. */
export async function countCalls (side: Counted, n: number): Promise<Calls> {
  const admin = new Redis(side.url, { maxRetriesPerRequest: 1 })
  admin.on('error', () => {})
  try {
    await admin.config('RESETSTAT')
    const mon = await monitor(side.url)
    let t: Awaited<ReturnType<typeof throughput>>
    try {
      t = await throughput(side.pipeline, n)
    } finally {
      await mon.stop()
    }
    const stats = await commandstats(admin)
    const bench = new Set([...side.benchPorts(), admin.stream.localPort, mon.port].map((p) => `127.0.0.1:${p}`))
    const producerAddrs = new Set(side.producerPorts().map((p) => `127.0.0.1:${p}`))
    const producer = new Map<string, number>()
    const worker = new Map<string, number>()
    const own = new Map<string, number>()
    const lua = new Map<string, number>()
    const connections = { producer: 0, workerPath: 0 }
    for (const [source, byName] of mon.tally) {
      if (source === 'lua') add(lua, byName)
      else if (bench.has(source)) add(own, byName)
      else if (producerAddrs.has(source)) {
        add(producer, byName)
        connections.producer++
      } else {
        add(worker, byName)
        connections.workerPath++
      }
    }
    // commandstats names EVALSHA as evalsha; the bench's own commands are left out by name and count.
    let statsTotal = 0
    for (const [name, calls] of stats) if (!ADMIN.has(name)) statsTotal += calls
    for (const [name, calls] of own) if (!ADMIN.has(name)) statsTotal -= calls
    const jobs = Math.max(1, t.completed)
    const scripts = side.scripts()
    return {
      jobs: n,
      completed: t.completed,
      producer: sum(producer) / jobs,
      workerPath: sum(worker) / jobs,
      total: (sum(producer) + sum(worker)) / jobs,
      commandstats: statsTotal / jobs,
      scriptInternal: sum(lua) / jobs,
      connections,
      byCommand: { producer: perJob(producer, jobs, scripts), workerPath: perJob(worker, jobs, scripts), insideScripts: perJob(lua, jobs, scripts) },
      seconds: t.seconds
    }
  } finally {
    admin.disconnect()
  }
}

/** The names of the scripts defined on an ioredis client (defineCommand), by SHA1. */
export function scriptNames (client: Redis): Map<string, string> {
  const set = (client as unknown as { scriptsSet?: Record<string, { sha?: string }> }).scriptsSet ?? {}
  // BullMQ names its commands `<name>:<version>`.
  return new Map(Object.entries(set).flatMap(([name, script]) => script.sha === undefined ? [] : [[script.sha, name.replace(/:[\d.]+$/, '')]]))
}

export function describeCalls (who: string, c: Calls): string {
  const top = (r: Record<string, number>): string => Object.entries(r).slice(0, 6).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')
  return `  ${who}: ${c.completed}/${c.jobs} jobs; Redis calls per job: producer ${c.producer.toFixed(2)}, worker path ${c.workerPath.toFixed(2)}` +
    ` (${c.connections.workerPath} connections), total ${c.total.toFixed(2)}; commandstats ${c.commandstats.toFixed(1)} (${c.scriptInternal.toFixed(1)} inside scripts)` +
    `\n    worker path: ${top(c.byCommand.workerPath)}\n    producer: ${top(c.byCommand.producer)}\n    inside scripts: ${top(c.byCommand.insideScripts)}`
}
