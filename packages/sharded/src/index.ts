export { RequestHandler } from './request-handler.js';
export type { RequestHandlerClass, AnyRequestHandlerClass, RequestOf } from './request-handler.js';
export { Route } from './route.js';
export type { RouteLike, ThreadName } from './route.js';
export { RequestHandlerRegistry } from './request-handler-registry.js';
export { Queue } from './queue.js';
export type { QueueOptions } from './queue-options.js';
export type { RegisterOptions } from './register-options.js';
export type { Duration } from './duration.js';
export { Worker } from './worker.js';
export type { LoopOptions } from './worker.js';
export type { WorkerEvents } from './worker-events.js';
export type {
  Storage,
  StorageEncoding,
  Peeked,
  BatchRef,
  BatchFailure,
  SettleResult,
  DeadLetter,
  PromoteResult,
  StorageIndex,
} from './storage.js';
export type { Lock } from './lock.js';
export type { TubeAddress } from './tube.js';
export { handlerNameOfThread, threadOfTube } from './tube.js';
export type { Serializer } from './serializer.js';
export { jsonSerializer } from './serializer.js';
export { MemoryStorage } from './memory-storage.js';
export type { MemoryStorageOptions } from './memory-storage-options.js';
export { MemoryLock } from './memory-lock.js';
export type { MemoryLockOptions } from './memory-lock-options.js';
export { ThreadLease } from './thread-lease.js';
export { ShardedSource } from './sharded-source.js';
export type { ShardedSourceOptions } from './sharded-source-options.js';
export type { ShardedMessage, ShardedReceipt } from './sharded-message.js';
export { createShardedHandler } from './sharded-handler.js';
export type { ShardedBulkHandler } from './sharded-handler.js';
export { workerDefaults, resolveWorkerOptions } from './worker-options.js';
export type { WorkerOptions, ResolvedWorkerOptions } from './worker-options.js';
export { lockDefaults, resolveLockOptions } from './lock-options.js';
export type { LockOptions, ResolvedLockOptions } from './lock-options.js';
export { storageDefaults, resolveStorageOptions } from './storage-options.js';
export type { StorageOptions, ResolvedStorageOptions } from './storage-options.js';
export { shardedSourceDefaults, resolveShardedSourceOptions } from './sharded-source-options.js';
export type { ResolvedShardedSourceOptions } from './sharded-source-options.js';
export type { Environment } from './queue-environment.js';
export { UnknownRequestHandlerError } from './errors/unknown-request-handler-error.js';
export { RequestHandlerNameConflictError } from './errors/request-handler-name-conflict-error.js';
export { InvalidRouteError } from './errors/invalid-route-error.js';
export { InvalidRequestError } from './errors/invalid-request-error.js';
export { MalformedMessageError } from './errors/malformed-message-error.js';
