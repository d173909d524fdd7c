import { oneOf } from '@conveyor/core/kit';

/** How hard SQLite flushes a batch file to disk: 'normal' survives a process crash, 'full' also a power cut. */
export type Synchronous = 'normal' | 'full';

/** The `synchronous` option of the writer, the reader and the source. */
export function synchronousOption(value: unknown): Synchronous {
  return oneOf('synchronous', value, ['normal', 'full'], 'normal');
}
