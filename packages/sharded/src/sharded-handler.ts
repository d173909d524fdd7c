import type { Bulk } from '@conveyor/core';
import { UnknownHandlerError } from './errors.js';
import type { Handler } from './handler.js';
import { HandlerRegistry } from './handler-registry.js';
import type { AnyHandlerClass } from './queue.js';
import type { ShardedMessage } from './sharded-message.js';

/** A Consumer handler that runs registered `Handler` classes; `stop()` runs their `stop()` hooks. */
export interface ShardedBulkHandler {
  (bulk: Bulk<ShardedMessage>): Promise<void>;
  /** Calls `stop()` on every handler instance this function started. */
  stop(): Promise<void>;
}

/**
 * Builds the handler a Consumer runs on a `ShardedSource`: consecutive messages
 * of one tube go to one `handle(...requests)` call of that handler class
 * (created and started once per thread of execution); if it throws, those
 * messages fail and go back to the head of their thread.
 *
 * ```ts
 * // handler.ts, loaded by the pool threads
 * export default createShardedHandler([NotifyHandler]);
 * ```
 */
export function createShardedHandler(handlers: Iterable<AnyHandlerClass> | HandlerRegistry): ShardedBulkHandler {
  const registry = handlers instanceof HandlerRegistry ? handlers : new HandlerRegistry(handlers);
  const instances = new Map<string, Promise<Handler<unknown>>>();

  const instanceOf = (name: string): Promise<Handler<unknown>> | undefined => {
    let instance = instances.get(name);
    if (instance !== undefined) return instance;
    const handlerClass = registry.get(name);
    if (handlerClass === undefined) return undefined;
    instance = (async () => {
      const created = await handlerClass.create();
      await created.start();
      return created;
    })();
    // A failed create() or start() is retried on the next bulk.
    instance.catch(() => instances.delete(name));
    instances.set(name, instance);
    return instance;
  };

  const run = async (bulk: Bulk<ShardedMessage>, group: ShardedMessage[]): Promise<void> => {
    const first = group[0] as ShardedMessage;
    try {
      const instance = instanceOf(first.handler);
      if (instance === undefined) throw new UnknownHandlerError(first.handler);
      await (await instance).handle(...group.map((message) => message.request));
    } catch (error) {
      for (const message of group) bulk.fail(message, error);
    }
  };

  const handle = async (bulk: Bulk<ShardedMessage>): Promise<void> => {
    let group: ShardedMessage[] = [];
    for (const message of bulk) {
      if (group.length > 0 && (group[0] as ShardedMessage).tube !== message.tube) {
        await run(bulk, group);
        group = [];
      }
      group.push(message);
    }
    if (group.length > 0) await run(bulk, group);
  };

  const stop = async (): Promise<void> => {
    const started = [...instances.values()];
    instances.clear();
    for (const instance of started) {
      try {
        await (await instance).stop();
      } catch {
        // A failed create() has nothing to stop; a throwing stop() must not keep the others running.
      }
    }
  };

  return Object.assign(handle, { stop });
}
