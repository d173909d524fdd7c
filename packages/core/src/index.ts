export { Consumer } from './consumer.js';
export type { ConsumerStats, SuperviseOptions } from './consumer.js';
export type { ConsumerOptions, ResolvedConsumerOptions, BulkTransfer } from './options.js';
export { consumerDefaults, positiveInteger, nonNegativeNumber } from './options.js';
export type { ConsumerEvents } from './events.js';
export type { ConsumerMetrics, SettledSample } from './metrics.js';
export type { Source, SourceModule, GetHint, SourceDepth } from './source.js';
export type { Handler } from './handler.js';
export type { Bulk, BulkReport, Settlement, FailedGroup } from './bulk.js';
export { BulkCursor, runHandler, settle } from './bulk.js';
export { MemorySource } from './memory-source.js';
export type { MemoryMessage, MemorySourceOptions } from './memory-source.js';
export type { Logger } from './logger.js';
export { silentLogger, consoleLogger } from './logger.js';
export {
  ConveyorError,
  InvalidOptionError,
  InvalidSourceError,
  ConsumerStateError,
  HandlerModuleError,
  HandlerFailedError,
  MessageNotTakenError,
  PoolThreadError,
  PollerThreadError,
  ShutdownError,
  ShutdownTimeoutError,
} from './errors.js';
export type { ConveyorErrorCode } from './errors.js';
export { sleep } from './timing.js';
export { TypedEmitter } from './typed-emitter.js';
export type { EventMap } from './typed-emitter.js';
