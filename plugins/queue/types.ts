import type { Job, JobChange } from '../store/job-state.js'

/** What the queue carries: the job and its vendor, so that a consumer can pick the vendor's lane unread. */
export interface QueueEntry {
  id: string
  vendor: string
}

/** One entry handed to a consumer; `ack` once the job's new state is stored. */
export interface Delivery extends QueueEntry {
  /** How many times this entry has been handed out, this time included: more than 1 after a crash. */
  deliveries: number
  ack (): Promise<void>
  /** Takes the entry off the queue into the dead-letter stream. */
  deadLetter (reason: string): Promise<void>
}

export interface JobQueue {
  readonly kind: string
  /** Records a new job and queues it together: neither exists without the other. */
  submit (job: Job): Promise<void>
  /** Sends a failed job back to pending with `change` and queues it, together; null when it was not failed. */
  replay (id: string, change: JobChange): Promise<Job | null>
  /** Queues an existing job again, now or after `delayMs`. */
  add (entry: QueueEntry, delayMs?: number): Promise<void>
  /** Up to `max` deliveries, waiting at most `blockMs` for the first; [] when none came or the queue closed. */
  read (max: number, blockMs: number): Promise<Delivery[]>
  ping (): Promise<void>
  close (): Promise<void>
}
