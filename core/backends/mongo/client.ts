import { MongoClient } from 'mongodb'

class MongoConnectionError extends Error {
  override name = 'MongoConnectionError'
}

/** The database used when the URL names none. */
const DEFAULT_DATABASE = 'vfs'

// mongodb[+srv]://[user:password@]host[:port][,host[:port]...][/database][?options]
const URL_SHAPE = /^mongodb(?:\+srv)?:\/\/(?:[^/?#]*@)?([^/?#@]+)(?:\/([^/?#@]*))?(?:\?[^#@]*)?$/

/** The hosts and database a URL names. The URL may carry a password, so no message repeats it. */
export function describeMongoUrl (url: string): { hosts: string, database: string } {
  const match = URL_SHAPE.exec(url)
  if (match?.[1] === undefined) {
    throw new MongoConnectionError('invalid MongoDB URL: expected mongodb[+srv]://[user:password@]host[:port][,host...][/database][?options]')
  }
  return { hosts: match[1], database: match[2] || DEFAULT_DATABASE }
}

/** A connected client with the service's pool settings; rejects with one line when MongoDB cannot be reached. */
export async function createMongoClient (url: string): Promise<MongoClient> {
  const { hosts } = describeMongoUrl(url)
  let client: MongoClient
  try {
    client = new MongoClient(url, {
      // One connection per store call in flight: vendors' default concurrency is 50 each.
      maxPoolSize: 100,
      minPoolSize: 0,
      maxIdleTimeMS: 60_000,
      // Below Fastify's 10 s plugin timeout, so an unreachable server gives our message rather than avvio's;
      // while running, a store call fails after this long instead of waiting for a server indefinitely.
      serverSelectionTimeoutMS: 5_000,
      connectTimeoutMS: 5_000,
      appName: 'vendor-fetch-service'
    })
  } catch {
    // The driver's parse errors may quote the user name.
    throw new MongoConnectionError('invalid MongoDB URL: the driver could not parse it')
  }
  try {
    await client.connect()
    // A command proves that the server answers and accepts the credentials.
    await client.db('admin').command({ ping: 1 })
  } catch (err) {
    await client.close().catch(() => {})
    throw new MongoConnectionError(`cannot reach MongoDB at ${hosts}: ${(err as Error).message.split('\n')[0]}`)
  }
  return client
}
