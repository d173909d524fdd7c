export { RedisStorage } from './redis-storage.js';
export type { RedisStorageOptions } from './redis-storage.js';
export { RedisLock } from './redis-lock.js';
export type { RedisLockOptions } from './redis-lock.js';
export { RedisListSource } from './redis-list-source.js';
export type { RedisListSourceOptions, RedisListMessage, RedisListDeadLetter } from './redis-list-source.js';
export { deleteByPrefix } from './check-client.js';
