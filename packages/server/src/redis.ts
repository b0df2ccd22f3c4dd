// `@braid-live/server/redis`: the Redis store, in its own entry so that apps without Redis never load ioredis
// (and the main entry stays free of node networking modules, for the fetch runtimes).
export { type RedisStore, type RedisStoreOptions, redisStore } from './store/redis';
