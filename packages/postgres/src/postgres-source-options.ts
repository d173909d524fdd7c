import { consoleLogger, InvalidOptionError } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import {
  booleanOption,
  clockOption,
  integerIn,
  loggerOption,
  milliseconds,
  objectWithMethods,
  oneOf,
  optionsObject,
  resolveRetryOptions,
} from '@conveyor/core/kit';
import type { Clock, ResolvedRetryOptions, RetryOptions } from '@conveyor/core/kit';
import type { Pool, PoolConfig } from 'pg';
import type { BodyFormat } from './body-codec.js';
import { queueTable } from './queue-table.js';
import type { QueueTable } from './queue-table.js';

/** Where the source connects: a `pg` Pool of yours, or what to create one from. */
export interface ConnectionOptions {
  /** A `pg` Pool the source uses for its statements (left open by `close()`). Give this or `connection`. */
  pool?: Pool;
  /** A connection string (`postgres://user:pass@host:5432/db`) or a `pg` PoolConfig: the source creates a Pool and ends it on `close()`. */
  connection?: string | PoolConfig;
  /** The queue table's schema. @default 'public' */
  schema?: string;
  /** The queue table (created by `migrate()`); its dead letters are in `<table>_dead`. @default 'jobs' */
  table?: string;
}

/** Options of `new PostgresSource()`. Durations are milliseconds. */
export interface PostgresSourceOptions extends ConnectionOptions, RetryOptions {
  /**
   * How bodies are read: 'json' parses (a jsonb, json, text or bytea column), 'text'
   * gives strings (text or UTF-8 bytea), 'buffer' gives Buffers. A body that does not
   * decode is dead-lettered at once (`PostgresBodyDecodeError`), never handed out. @default 'json'
   */
  bodyFormat?: BodyFormat;
  /** Most rows one `get()` claims (one statement), and never more than the consumer's hint. @default 100 */
  maxMessages?: number;
  /**
   * How long a claimed row stays invisible (its lease, `locked_until`): unsettled by
   * then, it is delivered again. The consumer's lease keeper renews it half-way. @default 30000
   */
  visibilityTimeout?: number;
  /** How long a `get()` on an empty table waits for a NOTIFY before it resolves `[]`. @default 5000 */
  waitTime?: number;
  /**
   * While a `get()` waits, it looks again this often without a notification (rows whose
   * retry backoff ended, producers that do not NOTIFY, a lost LISTEN connection). @default 1000
   */
  pollInterval?: number;
  /** Wake waiting `get()` calls with LISTEN/NOTIFY (one extra connection); `false`: poll only. @default true */
  listen?: boolean;
  /** What cleanup does with consumed rows: 'delete' them, or 'mark' them (`done_at`) and keep them. @default 'delete' */
  consumed?: 'delete' | 'mark';
  /** Longest back-off in ms of a `get()` after connection errors (it doubles from 100 ms, with jitter). @default 5000 */
  maxErrorBackoff?: number;
  /** Where the source logs faults it recovers from. @default warnings and errors to stderr */
  logger?: Logger;
  /** Where waits, polls and back-offs read time (tests pass a `ManualClock`); the database's own `now()` stays real. @default the system clock */
  clock?: Clock;
}

/** The defaults of the options that have a fixed one. */
export const postgresSourceDefaults: Readonly<{
  schema: string;
  table: string;
  bodyFormat: BodyFormat;
  maxMessages: number;
  visibilityTimeout: number;
  waitTime: number;
  pollInterval: number;
  listen: boolean;
  consumed: 'delete' | 'mark';
  maxErrorBackoff: number;
}> = Object.freeze({
  schema: 'public',
  table: 'jobs',
  bodyFormat: 'json',
  maxMessages: 100,
  visibilityTimeout: 30_000,
  waitTime: 5_000,
  pollInterval: 1_000,
  listen: true,
  consumed: 'delete',
  maxErrorBackoff: 5_000,
});

/** Connection options after validation. */
export interface ResolvedConnectionOptions {
  readonly pool: Pool | undefined;
  readonly connection: string | PoolConfig | undefined;
  readonly queue: QueueTable;
}

/** Options after validation. */
export interface ResolvedPostgresSourceOptions extends ResolvedConnectionOptions, ResolvedRetryOptions {
  readonly bodyFormat: BodyFormat;
  readonly maxMessages: number;
  readonly visibilityTimeout: number;
  readonly waitTime: number;
  readonly pollInterval: number;
  readonly listen: boolean;
  readonly consumed: 'delete' | 'mark';
  readonly maxErrorBackoff: number;
  readonly logger: Logger;
  readonly clock: Clock;
}

const connectionKeys = ['pool', 'connection', 'schema', 'table'];
const knownOptions = [
  ...connectionKeys,
  'bodyFormat',
  'maxMessages',
  'visibilityTimeout',
  'waitTime',
  'pollInterval',
  'listen',
  'consumed',
  'maxErrorBackoff',
  'maxReceiveCount',
  'retryBackoff',
  'logger',
  'clock',
];

/** What to write instead of the names pg-boss and graphile-worker users bring. */
export const migrationHints: Readonly<Record<string, string>> = {
  // pg-boss
  batchSize: 'maxMessages',
  connectionString: 'give `connection: connectionString`',
  db: 'give `pool` (a pg Pool)',
  name: 'table',
  queue: 'table',
  retryLimit: 'maxReceiveCount (retries + 1: it counts the first delivery)',
  retryDelay: 'retryBackoff: { baseMs } (milliseconds, doubling, with jitter)',
  expireInSeconds: 'visibilityTimeout (milliseconds; the lease keeper renews it while a handler runs)',
  expireInMinutes: 'visibilityTimeout (milliseconds; the lease keeper renews it while a handler runs)',
  pollingIntervalSeconds: 'pollInterval (milliseconds; LISTEN/NOTIFY wakes a waiting get() before it)',
  deadLetter: 'dead letters always go to the `<table>_dead` table',
  includeMetadata: 'every message carries its columns (key, createdAt, runAfter, lastError)',
  // graphile-worker
  maxAttempts: 'maxReceiveCount',
  queueName: 'the `key` of each message (rows of one key are handed out one at a time)',
  concurrency: 'a Consumer option: maxHandlers',
  pgPool: 'pool',
  noHandleSignals: 'the Consumer handles signals',
  // Conveyor's other sources
  visibilityTimeoutSeconds: 'visibilityTimeout (milliseconds)',
  waitTimeSeconds: 'waitTime (milliseconds)',
  maxMessagesPerGet: 'maxMessages',
};

/**
 * Validates the connection part of a source's or sender's options: exactly one of
 * `pool` and `connection` (neither, when `optional`: a sender used only on clients you pass).
 */
export function resolveConnectionOptions(given: ConnectionOptions, optional = false): ResolvedConnectionOptions {
  const pool = given.pool === undefined ? undefined : objectWithMethods<Pool>('pool', given.pool, ['query', 'connect', 'end'], 'a pg Pool');
  const connection = given.connection;
  if (connection !== undefined && typeof connection !== 'string' && (connection === null || typeof connection !== 'object')) {
    throw new InvalidOptionError('connection', 'a connection string or a pg PoolConfig object', connection);
  }
  if (pool !== undefined && connection !== undefined) {
    throw new InvalidOptionError('connection', 'absent when `pool` is given (give one of them)', connection);
  }
  if (!optional && pool === undefined && connection === undefined) {
    throw new InvalidOptionError('pool', 'a pg Pool, or a `connection` instead (exactly one of them)', given.pool);
  }
  const schema = given.schema ?? postgresSourceDefaults.schema;
  const table = given.table ?? postgresSourceDefaults.table;
  return { pool, connection, queue: queueTable(schema, table) };
}

/** Validates options and returns a frozen copy; throws `InvalidOptionError` naming the bad one. */
export function resolvePostgresSourceOptions(options: PostgresSourceOptions): ResolvedPostgresSourceOptions {
  if (options === undefined) throw new InvalidOptionError('options', 'an object', options);
  const given = optionsObject(options, knownOptions, migrationHints) as PostgresSourceOptions;
  const waitTime = milliseconds('waitTime', given.waitTime, postgresSourceDefaults.waitTime);
  return Object.freeze({
    ...resolveConnectionOptions(given),
    ...resolveRetryOptions(given),
    bodyFormat: oneOf('bodyFormat', given.bodyFormat, ['json', 'text', 'buffer'], postgresSourceDefaults.bodyFormat),
    maxMessages: integerIn('maxMessages', given.maxMessages, 1, 10_000, postgresSourceDefaults.maxMessages),
    visibilityTimeout: milliseconds('visibilityTimeout', given.visibilityTimeout, postgresSourceDefaults.visibilityTimeout, {
      positive: true,
    }),
    waitTime,
    pollInterval: milliseconds('pollInterval', given.pollInterval, postgresSourceDefaults.pollInterval, { positive: true }),
    listen: booleanOption('listen', given.listen, postgresSourceDefaults.listen),
    consumed: oneOf('consumed', given.consumed, ['delete', 'mark'], postgresSourceDefaults.consumed),
    maxErrorBackoff: milliseconds('maxErrorBackoff', given.maxErrorBackoff, postgresSourceDefaults.maxErrorBackoff),
    logger: loggerOption(given.logger, consoleLogger),
    clock: clockOption(given.clock),
  });
}
