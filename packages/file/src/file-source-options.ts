import { milliseconds, optionsObject, positiveInteger } from '@conveyor/core/kit';
import type { FileQueueReaderOptions, ResolvedFileQueueReaderOptions } from './file-queue-reader-options.js';
import { readerOptionNames, resolveFileQueueReaderOptions } from './file-queue-reader-options.js';

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

/** Validates source options and returns a frozen copy with the defaults applied; throws `InvalidOptionError` naming the bad one. */
export function resolveFileSourceOptions(options: FileSourceOptions): ResolvedFileSourceOptions {
  const given = optionsObject(options, [...readerOptionNames, ...sourceOptionNames]) as Partial<FileSourceOptions>;
  const readerOptions: Record<string, unknown> = {};
  for (const name of readerOptionNames) if (Object.hasOwn(given, name)) readerOptions[name] = given[name as keyof FileSourceOptions];
  const reader = resolveFileQueueReaderOptions(readerOptions as unknown as FileQueueReaderOptions);
  return Object.freeze({
    reader,
    maxMessagesPerGet: positiveInteger('maxMessagesPerGet', given.maxMessagesPerGet, fileSourceDefaults.maxMessagesPerGet),
    waitTime: milliseconds('waitTime', given.waitTime, fileSourceDefaults.waitTime),
    pollInterval: milliseconds('pollInterval', given.pollInterval, fileSourceDefaults.pollInterval, { positive: true }),
    visibilityTimeout: milliseconds('visibilityTimeout', given.visibilityTimeout, fileSourceDefaults.visibilityTimeout, {
      positive: true,
      allowInfinity: true,
    }),
  });
}
