export { RedisStorage } from './redis-storage.js';
export type { RedisStorageOptions, ResolvedRedisStorageOptions } from './redis-storage-options.js';
export { RedisLock } from './redis-lock.js';
export type { RedisLockOptions, ResolvedRedisLockOptions } from './redis-lock-options.js';
export { RedisListSource } from './redis-list-source.js';
export type { RedisListSourceOptions, RedisListMessage, RedisListDeadLetter } from './redis-list-source.js';
export { deleteByPrefix } from './check-client.js';
