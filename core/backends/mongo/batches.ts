import type { Db } from 'mongodb'
import type { BatchItem, BatchStore } from '../../batches.js'
import { ensureExpiry } from './store.js'

interface BatchDocument {
  batchId: string
  team: string
  createdAt: Date
  items: BatchItem[]
}

/** Full mode's batches: a `batches` collection beside `jobs`, expired by the same TTL. */
export async function createMongoBatches (db: Db, ttlMs: number, collection = 'batches'): Promise<BatchStore> {
  const batches = db.collection<BatchDocument>(collection)
  await batches.createIndex({ batchId: 1 }, { unique: true })
  await ensureExpiry(db, batches, Math.round(ttlMs / 1000))
  return {
    async create (batch) {
      const doc = { batchId: batch.id, team: batch.team, createdAt: new Date(batch.createdAt), items: batch.items }
      await batches.replaceOne({ batchId: batch.id }, doc, { upsert: true })
    },
    async get (id) {
      const doc = await batches.findOne({ batchId: id }, { projection: { _id: 0 } })
      return doc === null ? null : { id: doc.batchId, team: doc.team, createdAt: doc.createdAt.getTime(), items: doc.items }
    }
  }
}
