import type { Cluster, Redis } from 'ioredis'

/** A connection to Redis, standalone or Cluster: the backend uses only what both offer. */
export type RedisClient = Redis | Cluster
