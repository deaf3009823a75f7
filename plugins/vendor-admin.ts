import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { VendorSnapshot } from '../core/dispatch/queue.js'
import type { JobStatus } from '../core/job.js'
import { type Caller, sees } from '../core/teams/caller.js'
import { isoTime } from '../core/time.js'
import type { VendorConfig } from '../vendors/config.js'
import { type PublicVendorConfig, publicConfig } from '../vendors/public-config.js'
import { VendorNotFoundError } from './errors.js'

interface VendorView {
  name: string
  config: PublicVendorConfig
  state: {
    tokens: number
    slots_in_use: number
    breaker: VendorSnapshot['breaker']
    breaker_open_until?: string
    /** The vendor's Retry-After pause. */
    paused_until?: string
    /** An operator's pause. */
    admin_pause?: { since: string, reason?: string }
  }
  queue: { ready: number, delayed: number, delivered: number, oldest_ready_at?: string }
  counts: Record<JobStatus, number>
  spend: { total: number, teams: Record<string, number> }
}

interface VendorAdmin {
  /** `viewer`: who asks (undefined: nobody named); `spend.teams` holds only what it may see. */
  list (viewer: Caller | undefined): Promise<VendorView[]>
  view (name: string, viewer: Caller | undefined): Promise<VendorView>
  pause (name: string, reason?: string): Promise<VendorView>
  resume (name: string): Promise<VendorView>
}

declare module 'fastify' {
  interface FastifyInstance {
    vendorAdmin: VendorAdmin
  }
}


/**
 * The spend the viewer may see: each team's part is that team's own data, and so is a total over more than
 * the viewer's teams (with two teams, the total less one's own is the other's). The total is of the teams shown.
 */
function spendSeen (spend: Map<string, number>, viewer: Caller | undefined): VendorView['spend'] {
  const teams = [...spend].filter(([team]) => viewer !== undefined && sees(viewer, { team }))
  return { total: teams.reduce((sum, [, n]) => sum + n, 0), teams: Object.fromEntries(teams) }
}

/** Pause and resume are the admin's: their answer shows what the admin sees. */
const ADMIN: Caller = { admin: true }

function toVendorView (config: VendorConfig, s: VendorSnapshot, spend: Map<string, number>, viewer: Caller | undefined): VendorView {
  return {
    name: config.name,
    config: publicConfig(config),
    state: {
      tokens: s.tokens,
      slots_in_use: s.slotsInUse,
      breaker: s.breaker,
      ...(s.openUntil === undefined ? {} : { breaker_open_until: isoTime(s.openUntil) }),
      ...(s.pausedUntil === undefined ? {} : { paused_until: isoTime(s.pausedUntil) }),
      ...(s.hold === undefined ? {} : { admin_pause: { since: isoTime(s.hold.since), ...(s.hold.reason === undefined ? {} : { reason: s.hold.reason }) } })
    },
    queue: { ready: s.ready, delayed: s.delayed, delivered: s.delivered, ...(s.oldestReadyAt === undefined ? {} : { oldest_ready_at: isoTime(s.oldestReadyAt) }) },
    counts: s.counts,
    spend: spendSeen(spend, viewer)
  }
}

/** Each vendor's configuration without secrets, its limits' live state and its queue; an operator's pause and resume. */
async function vendorAdminPlugin (app: FastifyInstance): Promise<void> {
  const { queue } = app.backend
  const configOf = (name: string): VendorConfig => {
    const config = app.config.vendors.get(name)
    if (config === undefined) throw new VendorNotFoundError(name, [...app.config.vendors.keys()].join(', '))
    return config
  }
  const view = async (name: string, viewer: Caller | undefined): Promise<VendorView> => {
    const config = configOf(name)
    // Nobody named sees no team's spend: it is not read.
    const [snapshot, spend] = await Promise.all([queue.snapshot(config), viewer === undefined ? new Map<string, number>() : app.spend.byTeam(name)])
    return toVendorView(config, snapshot, spend, viewer)
  }
  app.decorate('vendorAdmin', {
    list: (viewer) => Promise.all([...app.config.vendors.keys()].map((name) => view(name, viewer))),
    view,
    async pause (name, reason) {
      configOf(name)
      await queue.hold(name, reason)
      app.log.warn({ vendor: name, reason }, 'vendor paused by an operator: no worker calls it until resumed')
      return view(name, ADMIN)
    },
    async resume (name) {
      configOf(name)
      if (await queue.resume(name)) app.log.warn({ vendor: name }, 'vendor resumed by an operator')
      return view(name, ADMIN)
    }
  } satisfies VendorAdmin)
}

export default fp(vendorAdminPlugin, { name: 'vendor-admin', fastify: '5.x', dependencies: ['config', 'backend', 'spend'] })
