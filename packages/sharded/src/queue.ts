import { InvalidOptionError } from '@conveyor/core';
import { InvalidRequestError } from './errors/invalid-request-error.js';
import { InvalidRouteError } from './errors/invalid-route-error.js';
import { MalformedMessageError } from './errors/malformed-message-error.js';
import type { QueueOptions } from './queue-options.js';
import { resolveQueueOptions, storageArgument } from './queue-options.js';
import type { RegisterOptions } from './register-options.js';
import { isRegisterOptions, resolveRegisterOptions } from './register-options.js';
import type { AnyRequestHandlerClass, RequestOf } from './request-handler.js';
import { RequestHandlerRegistry } from './request-handler-registry.js';
import { Route } from './route.js';
import type { RouteLike } from './route.js';
import type { Serializer } from './serializer.js';
import type { DeadLetter, PromoteResult, Storage } from './storage.js';
import type { TubeAddress } from './tube.js';

// `route(...requests)` receives requests by spread: keep each call far below the engine's argument limit.
const routeChunk = 8192;

/**
 * Registers requests to request handlers. Each request is routed by its
 * request handler class to a thread and a priority and stored in that tube of the storage.
 *
 * ```ts
 * const queue = new Queue(new MemoryStorage());
 * await queue.register(NotifyHandler, ...requests);
 * await queue.register(NotifyHandler, request, { defer: 5 });          // in 5 s
 * await queue.register(CleanupHandler, job, { recurrent: { minutes: 1 } });
 * ```
 */
export class Queue {
  readonly storage: Storage<unknown>;
  /** The request handler classes this process knows, by name: workers look the class of a thread up here. */
  readonly requestHandlers: RequestHandlerRegistry;
  readonly serializer: Serializer;

  constructor(storage: Storage<unknown>, options?: QueueOptions) {
    this.storage = storageArgument(storage);
    const resolved = resolveQueueOptions(options);
    this.serializer = resolved.serializer;
    this.requestHandlers = new RequestHandlerRegistry(resolved.requestHandlers);
  }

  /**
   * Routes and stores requests; the last argument may be the options
   * (`{ ifNotExists, defer, recurrent }`: a plain object with only those keys).
   * Use `registerMany()` for requests that could look like options, or for very many.
   * Returns how many requests were stored (or scheduled).
   */
  register<H extends AnyRequestHandlerClass>(handler: H, ...requests: RequestOf<H>[]): Promise<number>;
  register<H extends AnyRequestHandlerClass>(handler: H, ...requestsAndOptions: [...RequestOf<H>[], RegisterOptions]): Promise<number>;
  register<H extends AnyRequestHandlerClass>(handler: H, ...args: unknown[]): Promise<number> {
    const last = args[args.length - 1];
    if (isRegisterOptions(last)) return this.registerMany(handler, args.slice(0, -1) as RequestOf<H>[], last);
    return this.registerMany(handler, args as RequestOf<H>[]);
  }

  /** `register()` with the requests as an array (any length) and explicit options. */
  async registerMany<H extends AnyRequestHandlerClass>(
    handler: H,
    requests: readonly RequestOf<H>[],
    options?: RegisterOptions,
  ): Promise<number> {
    const resolved = resolveRegisterOptions(options);
    const groups = await this.#route(handler, requests);
    const storage = this.storage;
    const stored = await Promise.all(
      [...groups].map(([address, messages]) => {
        if (resolved.recurrentMs !== undefined) return storage.setRecurrent(address, messages, resolved.recurrentMs);
        if (resolved.deferMs !== undefined && resolved.deferMs > 0)
          return storage.schedule(address, messages, resolved.deferMs, resolved.ifNotExists);
        return storage.append(address, messages, resolved.ifNotExists);
      }),
    );
    let total = 0;
    for (const count of stored) total += count;
    return total;
  }

  /** Stops recurrent requests registered with these values; returns how many were registered. */
  async unregister<H extends AnyRequestHandlerClass>(handler: H, ...requests: RequestOf<H>[]): Promise<number> {
    const groups = await this.#route(handler, requests);
    const removed = await Promise.all([...groups].map(([address, messages]) => this.storage.unsetRecurrent(address, messages)));
    return removed.reduce((sum, count) => sum + count, 0);
  }

  /** The tube a route of `handler` leads to. */
  tube(handler: AnyRequestHandlerClass, route: Route | RouteLike = defaultRoute): TubeAddress {
    return this.requestHandlers.tube(handler, route);
  }

  /** Requests waiting in the tube of `handler` and `route`. */
  length(handler: AnyRequestHandlerClass, route: Route | RouteLike = defaultRoute): Promise<number> {
    return this.storage.length(this.tube(handler, route).tube);
  }

  /** Moves every due deferred request to its tube, `batch` per storage call; returns when the next is due. */
  promoteDeferred(batch = 1024): Promise<PromoteResult> {
    return promoteAll((max) => this.storage.promoteDeferred(max), batch);
  }

  /** Appends every due recurrent request (unless it still waits) and schedules its next run. */
  promoteRecurrent(batch = 1024): Promise<PromoteResult> {
    return promoteAll((max) => this.storage.promoteRecurrent(max), batch);
  }

  /** The oldest dead letters: requests that failed too many times or could not be read. */
  deadLetters(max = 100): Promise<DeadLetter<unknown>[]> {
    return this.storage.deadLetters(max);
  }

  /** A stored message back as a request (a `'values'` storage keeps requests as they are); throws `MalformedMessageError`. */
  decode(tube: string, message: unknown): unknown {
    if (this.storage.encoding === 'values') return message;
    try {
      return this.serializer.deserialize(message as string);
    } catch (error) {
      throw new MalformedMessageError(tube, String(message), error);
    }
  }

  async #route(handler: AnyRequestHandlerClass, requests: readonly unknown[]): Promise<Map<TubeAddress, unknown[]>> {
    if (!Array.isArray(requests)) throw new InvalidOptionError('requests', 'an array of requests', requests);
    const registry = this.requestHandlers;
    const name = registry.nameOf(handler);
    const serialize = this.storage.encoding === 'values' ? undefined : this.serializer.serialize.bind(this.serializer);
    const groups = new Map<TubeAddress, unknown[]>();
    const route = handler.route.bind(handler);
    for (let start = 0; start < requests.length; start += routeChunk) {
      // Typed again: the Array.isArray() check above narrowed `requests` to `any[]`.
      const chunk: readonly unknown[] = start === 0 && requests.length <= routeChunk ? requests : requests.slice(start, start + routeChunk);
      let routes = route(...chunk);
      if (!Array.isArray(routes)) routes = await routes;
      if (!Array.isArray(routes) || routes.length !== chunk.length) {
        throw new InvalidRouteError(
          `${name}.route() must return one route per request (${chunk.length}), got ${Array.isArray(routes) ? routes.length : typeof routes}`,
        );
      }
      let lastAddress: TubeAddress | undefined;
      let lastGroup: unknown[] = [];
      for (let index = 0; index < chunk.length; index++) {
        const address = registry.tube(handler, routes[index] as Route);
        const request = chunk[index];
        const message = serialize === undefined ? request : serialize(request);
        if (serialize !== undefined ? typeof message !== 'string' : request === undefined) {
          throw new InvalidRequestError(`A request of ${name} cannot be serialized (got ${typeof message}); requests must be JSON data`);
        }
        if (address !== lastAddress) {
          let group = groups.get(address);
          if (group === undefined) groups.set(address, (group = []));
          lastAddress = address;
          lastGroup = group;
        }
        lastGroup.push(message);
      }
    }
    return groups;
  }
}

const defaultRoute = new Route();

async function promoteAll(step: (max: number) => Promise<PromoteResult>, batch: number): Promise<PromoteResult> {
  let due = 0;
  for (;;) {
    const result = await step(batch);
    due += result.due;
    if (result.due < batch) return { due, nextDueIn: result.nextDueIn };
  }
}
