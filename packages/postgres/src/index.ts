export { PostgresSource } from './postgres-source.js';
export type {
  PostgresSourceOptions,
  ResolvedPostgresSourceOptions,
  ConnectionOptions,
  ResolvedConnectionOptions,
} from './postgres-source-options.js';
export { postgresSourceDefaults } from './postgres-source-options.js';
export type { PostgresSourceEvents } from './postgres-source-events.js';
export type { PostgresMessage } from './postgres-message.js';
export { PostgresSender } from './postgres-sender.js';
export type { PostgresOutgoingMessage, PostgresSendOptions } from './postgres-sender.js';
export type { PostgresSenderOptions, ResolvedPostgresSenderOptions } from './postgres-sender-options.js';
export { postgresSenderDefaults } from './postgres-sender-options.js';
export { migrate, migrationSql } from './migrate.js';
export type { MigrateOptions, Migration } from './migrate.js';
export type { PostgresQueueDepth } from './queue-depth.js';
export type { PostgresDeadLetter } from './dead-letters.js';
export type { QueueTable } from './queue-table.js';
export { queueTable } from './queue-table.js';
export type { BodyFormat, BodyColumnType } from './body-codec.js';
export type { Queryable } from './queryable.js';
export { PostgresError } from './errors/postgres-error.js';
export type { PostgresErrorCode, PostgresOperation } from './errors/postgres-error.js';
export { PostgresBodyDecodeError } from './errors/postgres-body-decode-error.js';
export { PostgresBodyEncodeError } from './errors/postgres-body-encode-error.js';
