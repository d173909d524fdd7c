import { Route } from './route.js';
import type { RouteLike } from './route.js';

/**
 * A request handler, written the way the original sharded queue wrote its
 * handlers: static routing, a static factory for dependencies, and instance
 * hooks. (Not to be confused with core's `Handler`, the function a Consumer
 * runs on a bulk: `createShardedHandler()` builds one of those from request handlers.)
 *
 * ```ts
 * class NotifyHandler extends RequestHandler<NotifyRequest> {
 *   static override route(...requests: NotifyRequest[]) {
 *     return requests.map((request) => new Route(request.userId % 3));
 *   }
 *   async handle(...requests: NotifyRequest[]) {
 *     await mailer.sendAll(requests);   // one call per batch
 *   }
 * }
 * ```
 *
 * A worker that claimed a thread calls `create()` then `start()` once,
 * `handle()` for every batch of that thread, and `stop()` when it lets the thread go.
 */
export abstract class RequestHandler<R = unknown> {
  /** Type only, never set: carries `R` so `queue.register(SomeHandler, ...)` can check the requests. */
  declare readonly requestType?: R;

  /**
   * The priorities this handler's routes may use, most urgent first. Without
   * it any integer is allowed and a larger priority is more urgent.
   */
  static priorities: readonly number[] | undefined = undefined;

  /** The name stored in tube keys and looked up by workers. @default the class name */
  static handlerName: string | undefined = undefined;

  /** Routes each request to a thread and a priority. @default thread 0, priority 0 for all */
  static route(...requests: unknown[]): ReadonlyArray<Route | RouteLike> | Promise<ReadonlyArray<Route | RouteLike>> {
    return requests.map(() => defaultRoute);
  }

  /** Builds the instance a worker uses; override it to inject dependencies. */
  static create(): RequestHandler | Promise<RequestHandler> {
    return new (this as unknown as new () => RequestHandler)();
  }

  /** Runs when a worker claims a thread of this handler, before the first batch. */
  start(): void | Promise<void> {}

  /** Handles one batch of requests of one thread and one priority, in order. Throwing fails the whole batch. */
  abstract handle(...requests: R[]): void | Promise<void>;

  /** Runs when the worker lets the thread go (empty, limit reached, stopped, or after a failure). */
  stop(): void | Promise<void> {}

  /** Largest batch `handle()` receives; `undefined` uses the worker's `batchSize`. */
  batchSize(): number | undefined {
    return undefined;
  }
}

const defaultRoute = new Route();

/** The class of a request handler, as `queue.register()` and the registry take it. */
export interface RequestHandlerClass<R = unknown> {
  readonly name: string;
  readonly prototype: RequestHandler<R>;
  readonly priorities?: readonly number[] | undefined;
  readonly handlerName?: string | undefined;
  route(...requests: R[]): ReadonlyArray<Route | RouteLike> | Promise<ReadonlyArray<Route | RouteLike>>;
  create(): RequestHandler<R> | Promise<RequestHandler<R>>;
}

/** Any request handler class (the request type does not matter to the queue's bookkeeping). */
export type AnyRequestHandlerClass = RequestHandlerClass<unknown>;

/** The request type a request handler class takes. */
export type RequestOf<H> = H extends { prototype: { requestType?: infer R } } ? R : never;
