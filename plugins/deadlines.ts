import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/** When async vendors' callbacks are due. `takeDue` hands each expired id to exactly one caller. */
export interface Deadlines {
  set (id: string, at: number): Promise<void>
  clear (id: string): Promise<void>
  takeDue (now: number, max: number): Promise<string[]>
}

declare module 'fastify' {
  interface FastifyInstance {
    deadlines: Deadlines
  }
}

export function createMemoryDeadlines (): Deadlines {
  const due = new Map<string, number>()
  return {
    async set (id, at) { due.set(id, at) },
    async clear (id) { due.delete(id) },
    async takeDue (now, max) {
      const taken: string[] = []
      for (const [id, at] of due) {
        if (taken.length >= max) break
        if (at <= now) {
          due.delete(id)
          taken.push(id)
        }
      }
      return taken
    }
  }
}

async function deadlinesPlugin (app: FastifyInstance): Promise<void> {
  app.decorate('deadlines', createMemoryDeadlines())
}

export default fp(deadlinesPlugin, { name: 'deadlines', fastify: '5.x', dependencies: ['config'] })
