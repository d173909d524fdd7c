import { consoleLogger } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import type { Clock } from '@conveyor/core/kit';
import { clockOption, limit, loggerOption, milliseconds, optionsObject } from '@conveyor/core/kit';
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
   * Deliveries after which a failed row goes to the `dead/` folder instead of
   * back to the queue. `Infinity` retries forever. @default Infinity
   */
  maxReceiveCount?: number;
  /** SQLite `synchronous` of the batches the reader writes (failed and given-back rows). @default 'normal' */
  synchronous?: Synchronous;
  /** Where the reader reports recoveries, corrupt files and dead letters. @default warnings and errors to stderr */
  logger?: Logger;
  /**
   * Where the reader (and a `FileSource`: its waits and visibility timeouts) reads
   * the time and schedules its waits; tests pass a `ManualClock`. @default the system clock
   */
  clock?: Clock;
}

/** Reader options after validation, defaults applied. */
export interface ResolvedFileQueueReaderOptions {
  readonly directory: string;
  readonly recoverInterval: number;
  readonly maxReceiveCount: number;
  readonly synchronous: Synchronous;
  readonly logger: Logger;
  readonly clock: Clock;
}

/** The defaults of every reader option that has one. */
export const fileQueueReaderDefaults: Readonly<{ recoverInterval: number; maxReceiveCount: number; synchronous: Synchronous }> =
  Object.freeze({
    recoverInterval: 5000,
    maxReceiveCount: Number.POSITIVE_INFINITY,
    synchronous: 'normal',
  });

/** Names of the reader options (the source accepts them too). */
export const readerOptionNames: readonly string[] = ['directory', 'recoverInterval', 'maxReceiveCount', 'synchronous', 'logger', 'clock'];

/** Validates reader options and returns a frozen copy with the defaults applied; throws `InvalidOptionError` naming the bad one. */
export function resolveFileQueueReaderOptions(options: FileQueueReaderOptions): ResolvedFileQueueReaderOptions {
  const given = optionsObject(options, readerOptionNames) as Partial<FileQueueReaderOptions>;
  return Object.freeze({
    directory: directoryOption(given.directory),
    recoverInterval: milliseconds('recoverInterval', given.recoverInterval, fileQueueReaderDefaults.recoverInterval, { positive: true }),
    maxReceiveCount: limit('maxReceiveCount', given.maxReceiveCount, fileQueueReaderDefaults.maxReceiveCount),
    synchronous: synchronousOption(given.synchronous),
    logger: loggerOption(given.logger, consoleLogger),
    clock: clockOption(given.clock),
  });
}
