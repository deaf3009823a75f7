import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The nearest folder above `moduleUrl` with a package.json: the project's root both from the sources
 * (tsx) and from dist/ (which has no package.json of its own). Files tsc does not copy into dist/ (the
 * Lua scripts, the dashboard) are read from there.
 */
export function projectRoot (moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(moduleUrl)}`)
    dir = parent
  }
  return dir
}
