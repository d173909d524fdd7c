import { consoleLogger } from '@conveyor/core';
import type { Logger } from '@conveyor/core';
import type { Clock } from '@conveyor/core/kit';
import type { TraceCarrier } from '@conveyor/core';
import {
  clockOption,
  limit,
  loggerOption,
  milliseconds,
  oneOf,
  optionsObject,
  positiveInteger,
  traceContextOption,
} from '@conveyor/core/kit';
import { directoryOption } from './directory-option.js';
import type { Synchronous } from './synchronous-option.js';
import { synchronousOption } from './synchronous-option.js';

/** What `add()` does when the queue is full (`maxAvailFiles` batches wait and the open batch is full). */
export type FullPolicy = 'wait' | 'drop';

/** Options of `new FileQueueWriter(options)`. */
export interface FileQueueWriterOptions {
  /** The queue folder (must exist); readers use the same folder. */
  directory: string;
  /** Rows per batch file: the open batch becomes available when it holds this many. @default 1000 */
  maxRowsPerBatch?: number;
  /**
   * Milliseconds after its first row that an open batch becomes available even
   * if not full, so a slow trickle of items still reaches the readers. @default 1000
   */
  maxBatchAge?: number;
  /**
   * Backpressure: while this many `avail_` batches wait in the folder, the
   * writer is not `active` and makes no new batch. `Infinity` for no limit. @default 1000
   */
  maxAvailFiles?: number;
  /**
   * When the queue is full: 'wait' makes `add()` return a promise that resolves
   * once the item is in a batch (items are kept in memory meanwhile); 'drop'
   * drops the item and counts it in `dropped`, with a warning. @default 'wait'
   */
  onFull?: FullPolicy;
  /** Milliseconds between two counts of the folder while the queue is full. @default 50 */
  pollInterval?: number;
  /** SQLite `synchronous`: 'normal' survives a process crash, 'full' also a power cut (slower). @default 'normal' */
  synchronous?: Synchronous;
  /** Where the writer reports drops and faults. @default warnings and errors to stderr */
  logger?: Logger;
  /**
   * Where the writer reads the time (batch keys) and schedules the `maxBatchAge`
   * flush and the polls while full; tests pass a `ManualClock`. @default the system clock
   */
  clock?: Clock;
  /**
   * The trace context to store with each item, read at each `add()`:
   * `currentTraceContext` of `@conveyor/opentelemetry` (a `FileSource`
   * consumer's process spans link to it). @default none
   */
  traceContext?: () => TraceCarrier | undefined;
}

/** Options after validation, defaults applied. */
export interface ResolvedFileQueueWriterOptions {
  readonly directory: string;
  readonly maxRowsPerBatch: number;
  readonly maxBatchAge: number;
  readonly maxAvailFiles: number;
  readonly onFull: FullPolicy;
  readonly pollInterval: number;
  readonly synchronous: Synchronous;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly traceContext: (() => TraceCarrier | undefined) | undefined;
}

/** The defaults of every writer option that has one. */
export const fileQueueWriterDefaults: Readonly<{
  maxRowsPerBatch: number;
  maxBatchAge: number;
  maxAvailFiles: number;
  onFull: FullPolicy;
  pollInterval: number;
  synchronous: Synchronous;
}> = Object.freeze({
  maxRowsPerBatch: 1000,
  maxBatchAge: 1000,
  maxAvailFiles: 1000,
  onFull: 'wait',
  pollInterval: 50,
  synchronous: 'normal',
});

/** Options that were renamed, with what to write instead. */
const renamed = { maxEventsPerFile: 'renamed: write `maxRowsPerBatch` (rows per batch file)' };

const known = [
  'directory',
  'maxRowsPerBatch',
  'maxBatchAge',
  'maxAvailFiles',
  'onFull',
  'pollInterval',
  'synchronous',
  'logger',
  'clock',
  'traceContext',
];

/** Validates writer options and returns a frozen copy with the defaults applied; throws `InvalidOptionError` naming the bad one. */
export function resolveFileQueueWriterOptions(options: FileQueueWriterOptions): ResolvedFileQueueWriterOptions {
  const given = optionsObject(options, known, renamed) as Partial<FileQueueWriterOptions>;
  return Object.freeze({
    directory: directoryOption(given.directory),
    maxRowsPerBatch: positiveInteger('maxRowsPerBatch', given.maxRowsPerBatch, fileQueueWriterDefaults.maxRowsPerBatch),
    maxBatchAge: milliseconds('maxBatchAge', given.maxBatchAge, fileQueueWriterDefaults.maxBatchAge, { positive: true }),
    maxAvailFiles: limit('maxAvailFiles', given.maxAvailFiles, fileQueueWriterDefaults.maxAvailFiles),
    onFull: oneOf('onFull', given.onFull, ['wait', 'drop'], fileQueueWriterDefaults.onFull),
    pollInterval: milliseconds('pollInterval', given.pollInterval, fileQueueWriterDefaults.pollInterval, { positive: true }),
    synchronous: synchronousOption(given.synchronous),
    logger: loggerOption(given.logger, consoleLogger),
    clock: clockOption(given.clock),
    traceContext: traceContextOption(given.traceContext),
  });
}
