import type { Clock } from '@conveyor/core/kit';
import { booleanOption, clockOption, optionsObject } from '@conveyor/core/kit';

/** Options of `new MemoryStorage(options)`. */
export interface MemoryStorageOptions {
  /**
   * Keep requests serialized, exactly as Redis does: every request handler gets a
   * fresh copy, and malformed messages are possible. By default the storage
   * keeps the registered values themselves (no serialization: the fastest,
   * but a request handler receives the very object that was registered, so do not
   * mutate a request after registering it). @default false
   */
  serialized?: boolean;
  /** Where deferred due times, recurrent runs and dead-letter times are read (tests pass a `ManualClock`). @default the system clock */
  clock?: Clock;
}

/** Memory storage options with every default applied. */
export type ResolvedMemoryStorageOptions = Readonly<Required<MemoryStorageOptions>>;

/** The defaults of every option that has one. */
export const memoryStorageDefaults = Object.freeze({ serialized: false });

/** Validates options and returns a frozen, fully-typed copy; throws `InvalidOptionError` naming the bad one. */
export function resolveMemoryStorageOptions(options?: MemoryStorageOptions): ResolvedMemoryStorageOptions {
  const given = optionsObject(options, ['serialized', 'clock']) as MemoryStorageOptions;
  return Object.freeze({
    serialized: booleanOption('serialized', given.serialized, memoryStorageDefaults.serialized),
    clock: clockOption(given.clock),
  });
}
