import type { Bulk } from '@conveyor/core';
import { UnknownRequestHandlerError } from './errors/unknown-request-handler-error.js';
import type { AnyRequestHandlerClass, RequestHandler } from './request-handler.js';
import { RequestHandlerRegistry } from './request-handler-registry.js';
import type { ShardedMessage } from './sharded-message.js';

/** A Consumer handler (core's `Handler`) that runs registered `RequestHandler` classes; `stop()` runs their `stop()` hooks. */
export interface ShardedBulkHandler {
  (bulk: Bulk<ShardedMessage>): Promise<void>;
  /** Calls `stop()` on every handler instance this function started. */
  stop(): Promise<void>;
}

/**
 * Builds the handler a Consumer runs on a `ShardedSource`: consecutive messages
 * of one tube go to one `handle(...requests)` call of their request handler
 * class (created and started once per pool thread, or once on the main thread
 * inline); if it throws, those messages fail and go back to the head of their thread.
 *
 * ```ts
 * // handler.ts, loaded by the pool threads
 * export default createShardedHandler([NotifyHandler]);
 * ```
 */
export function createShardedHandler(requestHandlers: Iterable<AnyRequestHandlerClass> | RequestHandlerRegistry): ShardedBulkHandler {
  const registry = requestHandlers instanceof RequestHandlerRegistry ? requestHandlers : new RequestHandlerRegistry(requestHandlers);
  const instances = new Map<string, Promise<RequestHandler<unknown>>>();

  const instanceOf = (name: string): Promise<RequestHandler<unknown>> | undefined => {
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
      const instance = instanceOf(first.handlerName);
      if (instance === undefined) throw new UnknownRequestHandlerError(first.handlerName);
      await (await instance).handle(...group.map((message) => message.body));
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
