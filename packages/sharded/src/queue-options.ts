import { InvalidOptionError } from '@conveyor/core';
import { objectWithMethods, optionsObject } from '@conveyor/core/kit';
import type { AnyRequestHandlerClass } from './request-handler.js';
import type { Serializer } from './serializer.js';
import { jsonSerializer } from './serializer.js';
import type { Queue } from './queue.js';
import type { Storage } from './storage.js';

/** Options of `new Queue(storage, options)`. */
export interface QueueOptions {
  /** Request handler classes the workers of this process may run; `register()` adds the classes it is given. @default none */
  requestHandlers?: Iterable<AnyRequestHandlerClass>;
  /** How requests become stored strings (`'text'` storages only). @default JSON */
  serializer?: Serializer;
}

/** Queue options with every default applied. */
export interface ResolvedQueueOptions {
  readonly requestHandlers: Iterable<AnyRequestHandlerClass>;
  readonly serializer: Serializer;
}

/** The defaults of every option that has one. */
export const queueDefaults: ResolvedQueueOptions = Object.freeze({ requestHandlers: Object.freeze([]), serializer: jsonSerializer });

const known = ['requestHandlers', 'serializer'];
const hints = { handlers: 'renamed `requestHandlers` (a `Handler` is the function a Consumer runs on a bulk)' };

/** Validates the storage a queue is built on. */
export function storageArgument(storage: unknown): Storage<unknown> {
  const checked = objectWithMethods<Storage<unknown>>(
    'storage',
    storage,
    ['append', 'threads', 'peek', 'settle'],
    'a Storage (MemoryStorage, RedisStorage, ...)',
  );
  // Required, so no fallback: `oneOf` would take `undefined` for the default.
  if (checked.encoding !== 'text' && checked.encoding !== 'values')
    throw new InvalidOptionError('storage.encoding', "'text' or 'values'", checked.encoding);
  return checked;
}

/** Validates options and returns a frozen, fully-typed copy; throws `InvalidOptionError` naming the bad one. */
export function resolveQueueOptions(options: QueueOptions | undefined): ResolvedQueueOptions {
  const given = optionsObject(options, known, hints) as QueueOptions;
  const serializer =
    given.serializer === undefined
      ? queueDefaults.serializer
      : objectWithMethods<Serializer>(
          'serializer',
          given.serializer,
          ['serialize', 'deserialize'],
          'an object with serialize() and deserialize()',
        );
  return Object.freeze({ requestHandlers: given.requestHandlers ?? queueDefaults.requestHandlers, serializer });
}

/** Checks that `value` is a `Queue` (what a Worker or a ShardedSource is given). */
export function queueArgument(value: unknown): Queue {
  return objectWithMethods<Queue>('queue', value, ['register', 'decode'], 'a Queue');
}
