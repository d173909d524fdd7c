import { consoleLogger } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import type { BackoffPolicy, Clock } from '@conveyor/core/kit';
import { clockOption, loggerOption, milliseconds, optionsObject, resolveRetryOptions, retryDefaults } from '@conveyor/core/kit';
import { directoryOption } from './directory-option.js';
import type { Synchronous } from './synchronous-option.js';
import { synchronousOption } from './synchronous-option.js';

/** Options of `new FileQueueReader(options)`. */
export interface FileQueueReaderOptions {
  /** The queue folder (must exist). */
  directory: string;
  /**
   * Milliseconds between two recovery passes (run by `claim()`), which give back
   * the files of dead writers and readers. One pass always runs at construction. @default 5000
   */
  recoverInterval?: number;
  /**
   * Receives after which a failed row goes to the dead letters (`dead/`, with its
   * last error) instead of to a retry batch. A failure counts as a receive
   * unless the handler never received the row (`isUncharged`); so does a
   * `FileSource` delivery whose visibility expired. `Infinity`: retry forever. @default 10
   */
  maxReceiveCount?: number;
  /**
   * How long a failed row waits before it can be delivered again:
   * `baseMs × 2^(receives − 1)` up to `capMs`, with jitter (`backoffDelay` of the
   * kit). Failed rows are written to a `retry_` batch that readers make available
   * once due. `false`: at once, at the back of the queue.
   * @default { baseMs: 500, capMs: 60000, jitter: 'equal' }
   */
  retryBackoff?: BackoffPolicy | false;
  /** SQLite `synchronous` of the batches the reader writes (failed and given-back rows). @default 'normal' */
  synchronous?: Synchronous;
  /** Where the reader reports recoveries, corrupt files and dead letters. @default warnings and errors to stderr */
  logger?: Logger;
  /**
   * Where the reader (and a `FileSource`: its waits and visibility timeouts) reads
   * the time: recovery passes, retry due times. Tests pass a `ManualClock`. @default the system clock
   */
  clock?: Clock;
}

/** Reader options after validation, defaults applied. */
export interface ResolvedFileQueueReaderOptions {
  readonly directory: string;
  readonly recoverInterval: number;
  readonly maxReceiveCount: number;
  readonly retryBackoff: BackoffPolicy | false;
  readonly synchronous: Synchronous;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** The defaults of every reader option that has one (the retry ones are the kit's `retryDefaults`). */
export const fileQueueReaderDefaults: Readonly<{
  recoverInterval: number;
  maxReceiveCount: number;
  retryBackoff: BackoffPolicy | false;
  synchronous: Synchronous;
}> = Object.freeze({
  recoverInterval: 5000,
  maxReceiveCount: retryDefaults.maxReceiveCount,
  retryBackoff: retryDefaults.retryBackoff,
  synchronous: 'normal',
});

/** Names of the reader options (the source accepts them too). */
export const readerOptionNames: readonly string[] = [
  'directory',
  'recoverInterval',
  'maxReceiveCount',
  'retryBackoff',
  'synchronous',
  'logger',
  'clock',
];

/** Validates reader options and returns a frozen copy with the defaults applied; throws `InvalidOptionError` naming the bad one. */
export function resolveFileQueueReaderOptions(options: FileQueueReaderOptions): ResolvedFileQueueReaderOptions {
  const given = optionsObject(options, readerOptionNames) as Partial<FileQueueReaderOptions>;
  const directory = directoryOption(given.directory);
  const { maxReceiveCount, retryBackoff } = resolveRetryOptions(given, fileQueueReaderDefaults);
  return Object.freeze({
    directory,
    recoverInterval: milliseconds('recoverInterval', given.recoverInterval, fileQueueReaderDefaults.recoverInterval, { positive: true }),
    maxReceiveCount,
    retryBackoff,
    synchronous: synchronousOption(given.synchronous),
    logger: loggerOption(given.logger, consoleLogger),
    clock: clockOption(given.clock),
  });
}
