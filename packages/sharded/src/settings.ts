import { InvalidOptionError } from '@conveyor/core';

/**
 * How a worker behaves. Every setting has the original library's default and
 * is read from the environment (`QUEUE_WORKER_*`, durations in seconds as in
 * the original); a value given in code wins. Durations in code are milliseconds.
 */
export interface WorkerSettings {
  /** Milliseconds an idle worker waits before looking for a thread again. Env `QUEUE_WORKER_ACQUIRE_DELAY` (s). @default 1000 */
  readonly acquireDelay: number;
  /** Requests per `handle()` call, unless the handler's `batchSize()` says otherwise. Env `QUEUE_WORKER_BATCH_SIZE`. @default 128 */
  readonly batchSize: number;
  /**
   * Longest an idle worker goes without checking for due deferred requests
   * (a due time it knows of is met to the millisecond). Env `QUEUE_WORKER_DEFERRED_RETRY_DELAY` (s). @default 1000
   */
  readonly deferredRetryDelay: number;
  /** Empty reads of its thread after which a worker lets the thread go. Env `QUEUE_WORKER_EMPTY_LIMIT`. @default 16 */
  readonly emptyLimit: number;
  /** Milliseconds between two empty reads of the bound thread. Env `QUEUE_WORKER_EMPTY_PAUSE` (s). @default 100 */
  readonly emptyPause: number;
  /** Longest a worker goes without checking the recurrent schedule. Env `QUEUE_WORKER_RECURRENT_CHECK_INTERVAL` (s). @default 30000 */
  readonly recurrentCheckInterval: number;
  /**
   * Recurrent (and deferred) entries moved per storage call; a worker calls
   * again until none is due, so nothing is ever dropped. Env `QUEUE_WORKER_RECURRENT_TASKS_LIMIT`. @default 1024
   */
  readonly recurrentTasksLimit: number;
  /** Failed attempts of one batch after which its requests go to the dead letters. Env `QUEUE_WORKER_MAX_FAILURES`. @default 5 */
  readonly maxFailures: number;
  /** Threads a worker samples from the index of non-empty threads when looking for one. Env `QUEUE_WORKER_ACQUIRE_SAMPLE`. @default 64 */
  readonly acquireSample: number;
}

/** Settings of a lock driver. */
export interface LockSettings {
  /** Prefix of lock keys. Env `QUEUE_LOCK_PREFIX`. @default 'lock_' */
  readonly prefix: string;
  /**
   * Milliseconds a lock lives without a heartbeat. The holder extends it every
   * third of this, so a dead worker's threads are free again after at most this
   * long. Env `QUEUE_LOCK_TIMEOUT` (s). @default 10000 (the original's 24 h froze threads of dead workers)
   */
  readonly timeout: number;
}

/** Settings of a storage driver. */
export interface StorageSettings {
  /** Prefix of every storage key. Env `QUEUE_STORAGE_PREFIX`. @default 'tube_' */
  readonly prefix: string;
}

/** The defaults, in milliseconds where they are durations. */
export const workerDefaults: WorkerSettings = Object.freeze({
  acquireDelay: 1000,
  batchSize: 128,
  deferredRetryDelay: 1000,
  emptyLimit: 16,
  emptyPause: 100,
  recurrentCheckInterval: 30_000,
  recurrentTasksLimit: 1024,
  maxFailures: 5,
  acquireSample: 64,
});

export const lockDefaults: LockSettings = Object.freeze({ prefix: 'lock_', timeout: 10_000 });

export const storageDefaults: StorageSettings = Object.freeze({ prefix: 'tube_' });

type Kind = 'seconds' | 'positiveSeconds' | 'positiveInteger' | 'nonNegativeInteger' | 'string';

const workerSpec: Record<keyof WorkerSettings, readonly [env: string, kind: Kind]> = {
  acquireDelay: ['QUEUE_WORKER_ACQUIRE_DELAY', 'seconds'],
  batchSize: ['QUEUE_WORKER_BATCH_SIZE', 'positiveInteger'],
  deferredRetryDelay: ['QUEUE_WORKER_DEFERRED_RETRY_DELAY', 'seconds'],
  emptyLimit: ['QUEUE_WORKER_EMPTY_LIMIT', 'nonNegativeInteger'],
  emptyPause: ['QUEUE_WORKER_EMPTY_PAUSE', 'seconds'],
  recurrentCheckInterval: ['QUEUE_WORKER_RECURRENT_CHECK_INTERVAL', 'seconds'],
  recurrentTasksLimit: ['QUEUE_WORKER_RECURRENT_TASKS_LIMIT', 'positiveInteger'],
  maxFailures: ['QUEUE_WORKER_MAX_FAILURES', 'positiveInteger'],
  acquireSample: ['QUEUE_WORKER_ACQUIRE_SAMPLE', 'positiveInteger'],
};

const lockSpec: Record<keyof LockSettings, readonly [env: string, kind: Kind]> = {
  prefix: ['QUEUE_LOCK_PREFIX', 'string'],
  timeout: ['QUEUE_LOCK_TIMEOUT', 'positiveSeconds'],
};

const storageSpec: Record<keyof StorageSettings, readonly [env: string, kind: Kind]> = {
  prefix: ['QUEUE_STORAGE_PREFIX', 'string'],
};

type Env = Readonly<Record<string, string | undefined>>;

/** Worker settings: `overrides` over the environment over the defaults; throws `InvalidOptionError` naming a bad value. */
export function resolveWorkerSettings(overrides: Partial<WorkerSettings> = {}, env: Env = process.env): WorkerSettings {
  return resolve(workerSpec, workerDefaults, overrides, env);
}

/** Lock settings: `overrides` over the environment over the defaults. */
export function resolveLockSettings(overrides: Partial<LockSettings> = {}, env: Env = process.env): LockSettings {
  return resolve(lockSpec, lockDefaults, overrides, env);
}

/** Storage settings: `overrides` over the environment over the defaults. */
export function resolveStorageSettings(overrides: Partial<StorageSettings> = {}, env: Env = process.env): StorageSettings {
  return resolve(storageSpec, storageDefaults, overrides, env);
}

function resolve<S extends object>(spec: Record<keyof S, readonly [string, Kind]>, defaults: S, overrides: Partial<S>, env: Env): S {
  if (overrides === null || typeof overrides !== 'object') throw new InvalidOptionError('settings', 'an object', overrides);
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(defaults) as (keyof S & string)[]) {
    const [variable, kind] = spec[key];
    const given = (overrides as Record<string, unknown>)[key];
    const raw = env[variable];
    if (given !== undefined) result[key] = checkCode(key, kind, given);
    else if (raw !== undefined && raw !== '') result[key] = checkEnv(variable, kind, raw);
    else result[key] = defaults[key];
  }
  return Object.freeze(result) as S;
}

function checkCode(name: string, kind: Kind, value: unknown): unknown {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw new InvalidOptionError(name, 'a string', value);
      return value;
    case 'seconds':
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
        throw new InvalidOptionError(name, 'a finite number of milliseconds >= 0', value);
      return value;
    case 'positiveSeconds':
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
        throw new InvalidOptionError(name, 'a finite number of milliseconds > 0', value);
      return value;
    case 'positiveInteger':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
        throw new InvalidOptionError(name, 'a positive integer', value);
      return value;
    case 'nonNegativeInteger':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
        throw new InvalidOptionError(name, 'an integer >= 0', value);
      return value;
  }
}

function checkEnv(variable: string, kind: Kind, raw: string): unknown {
  if (kind === 'string') return raw;
  const value = Number(raw.trim());
  switch (kind) {
    case 'seconds':
      if (!Number.isFinite(value) || value < 0) throw new InvalidOptionError(variable, 'a number of seconds >= 0', raw);
      return Math.round(value * 1000);
    case 'positiveSeconds':
      if (!Number.isFinite(value) || value <= 0) throw new InvalidOptionError(variable, 'a number of seconds > 0', raw);
      return Math.round(value * 1000);
    case 'positiveInteger':
      if (!Number.isSafeInteger(value) || value < 1) throw new InvalidOptionError(variable, 'a positive integer', raw);
      return value;
    case 'nonNegativeInteger':
      if (!Number.isSafeInteger(value) || value < 0) throw new InvalidOptionError(variable, 'an integer >= 0', raw);
      return value;
  }
}
