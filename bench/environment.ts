import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { ROOT } from './processes.js'

/** Which code was measured: the commit, the files changed since, and a digest of those changes. */
export interface CodeState {
  commit: string
  changed: string[]
  diffDigest: string
}

function git (args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  } catch {
    return ''
  }
}

/** bench/ itself is left out: what is measured is the service. */
export function codeState (): CodeState {
  const changed = git(['status', '--porcelain', '--untracked-files=no']).split('\n')
    .map((line) => line.slice(3).trim())
    .filter((file) => file !== '' && !file.startsWith('bench/'))
  const diff = git(['diff', 'HEAD', '--', '.', ':(exclude)bench'])
  return {
    commit: git(['rev-parse', '--short', 'HEAD']).trim() || 'unknown',
    changed,
    diffDigest: createHash('sha1').update(diff).digest('hex').slice(0, 12)
  }
}

export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  node: string
  redis: string
  loadAverageAtStart: number[]
}

export function machine (redisVersion: string): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown'
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu
  } catch {}
  return {
    cpu,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    node: process.version,
    redis: redisVersion,
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100)
  }
}
