/** What the queue carries: the job and its vendor, so that a consumer can pick the vendor's lane unread. */
export interface QueueEntry {
  id: string
  vendor: string
}

/** One entry handed to a consumer; `ack` once the job's new state is stored. */
export interface Delivery extends QueueEntry {
  ack (): Promise<void>
}

export interface JobQueue {
  readonly kind: string
  /** Queues a job, now or after `delayMs`. */
  add (entry: QueueEntry, delayMs?: number): Promise<void>
  /** Up to `max` deliveries, waiting at most `blockMs` for the first; [] when none came or the queue closed. */
  read (max: number, blockMs: number): Promise<Delivery[]>
  ping (): Promise<void>
  close (): Promise<void>
}
