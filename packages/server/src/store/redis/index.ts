export { type RedisStore, type RedisStoreOptions, redisStore } from './redisStore';
