import { nonEmptyString, optionsObject } from '@conveyor/core/kit';
import type { Environment, EnvironmentSpec } from './queue-environment.js';
import { environmentDefaults } from './queue-environment.js';

/** What a storage driver keeping keys on a server takes (`RedisStorage`): the original library's `QUEUE_STORAGE_*` settings. */
export interface StorageOptions {
  /** Prefix of every storage key. Env `QUEUE_STORAGE_PREFIX`. @default 'tube_' */
  prefix?: string;
}

/** Storage options with every default applied. */
export type ResolvedStorageOptions = Readonly<Required<StorageOptions>>;

/** The defaults (before the environment). */
export const storageDefaults: ResolvedStorageOptions = Object.freeze({ prefix: 'tube_' });

const storageEnvironment: EnvironmentSpec<keyof StorageOptions> = Object.freeze({ prefix: ['QUEUE_STORAGE_PREFIX', 'text'] } as const);

/** Validates storage options over the environment over the defaults; throws `InvalidOptionError` naming the bad option or variable. */
export function resolveStorageOptions(options?: StorageOptions, env: Environment = process.env): ResolvedStorageOptions {
  const given = optionsObject(options, ['prefix']) as StorageOptions;
  const fallback = environmentDefaults(storageDefaults, storageEnvironment, env);
  return Object.freeze({ prefix: given.prefix === undefined ? fallback.prefix : nonEmptyString('prefix', given.prefix) });
}
