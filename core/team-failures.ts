import type { Job } from './job.js'

/** The stable code a job failed for its team's quota starts its error with. */
export const TEAM_QUOTA_CODE = 'VFS_ERR_TEAM_QUOTA'
/** The stable code a job failed for its team's budget starts its error with; POST /jobs answers 402 with it too. */
export const BUDGET_CODE = 'VFS_ERR_BUDGET_EXHAUSTED'

/**
 * A job that failed for its own team's budget or quota on the vendor, without a call: an outcome of its
 * team's account, not of the record it asked for.
 */
export const failedForItsTeam = (job: Job): boolean =>
  job.status === 'failed' && (job.error?.startsWith(`${BUDGET_CODE}:`) === true || job.error?.startsWith(`${TEAM_QUOTA_CODE}:`) === true)
