import type { FileQueueReaderOptions, ResolvedFileQueueReaderOptions } from './reader-options.js';
import { readerOptionNames, resolveReaderOptions } from './reader-options.js';
import { checkObject, duration, nonNegativeDuration, positiveInteger } from './validation.js';

/** Options of `new FileSource(options)`: those of the reader, and how `get()` polls. */
export interface FileSourceOptions extends FileQueueReaderOptions {
  /** Most messages one `get()` returns (the consumer's hint may ask for fewer). @default 1024 */
  maxMessagesPerGet?: number;
  /** Milliseconds a `get()` waits for a batch when the folder is empty (long polling). @default 1000 */
  waitTime?: number;
  /** Milliseconds between two looks at the folder while `get()` waits. @default 50 */
  pollInterval?: number;
  /**
   * Milliseconds a delivered row may stay neither cleaned up nor released before
   * this source delivers it again (a handler that hangs). Rows of a process that
   * died come back through recovery instead, whatever this is. @default Infinity
   */
  visibilityTimeout?: number;
}

/** Source options after validation, defaults applied. */
export interface ResolvedFileSourceOptions {
  readonly reader: ResolvedFileQueueReaderOptions;
  readonly maxMessagesPerGet: number;
  readonly waitTime: number;
  readonly pollInterval: number;
  readonly visibilityTimeout: number;
}

/** The defaults of the source's own options. */
export const fileSourceDefaults = Object.freeze({
  maxMessagesPerGet: 1024,
  waitTime: 1000,
  pollInterval: 50,
  visibilityTimeout: Number.POSITIVE_INFINITY,
});

const sourceOptionNames = ['maxMessagesPerGet', 'waitTime', 'pollInterval', 'visibilityTimeout'];
const known = new Set([...readerOptionNames, ...sourceOptionNames]);

/** Validates source options; throws `InvalidOptionError` naming the bad one. */
export function resolveFileSourceOptions(options: FileSourceOptions): ResolvedFileSourceOptions {
  const given = checkObject(options);
  // Unknown keys are reported by the reader's check, against the source's full list.
  const reader = resolveReaderOptions(given as unknown as FileQueueReaderOptions, known);
  const visibilityTimeout = duration('visibilityTimeout', given.visibilityTimeout, fileSourceDefaults.visibilityTimeout, true);
  const pollInterval = duration('pollInterval', given.pollInterval, fileSourceDefaults.pollInterval);
  const waitTime = nonNegativeDuration('waitTime', given.waitTime, fileSourceDefaults.waitTime);
  return Object.freeze({
    reader,
    maxMessagesPerGet: positiveInteger('maxMessagesPerGet', given.maxMessagesPerGet, fileSourceDefaults.maxMessagesPerGet),
    waitTime,
    pollInterval,
    visibilityTimeout,
  });
}
