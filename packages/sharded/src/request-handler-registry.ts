import { InvalidOptionError } from '@conveyor/core';
import { InvalidRouteError } from './errors/invalid-route-error.js';
import { RequestHandlerNameConflictError } from './errors/request-handler-name-conflict-error.js';
import type { AnyRequestHandlerClass } from './request-handler.js';
import { checkThread } from './route.js';
import type { Route, RouteLike } from './route.js';
import type { TubeAddress } from './tube.js';

const forbidden = /[/\t\n]/;

interface Entry {
  readonly name: string;
  /** Priority → rank, when the class declares `priorities`. */
  readonly ranks: ReadonlyMap<number, number> | undefined;
  /** thread → priority → address: routing 100k requests must not build 100k keys. */
  readonly tubes: Map<string | number, Map<number, TubeAddress>>;
}

/**
 * The request handler classes a process knows, by name. Workers find the class
 * of a stored thread here; a module is never imported because a key names it.
 */
export class RequestHandlerRegistry {
  readonly #byName = new Map<string, AnyRequestHandlerClass>();
  readonly #entries = new Map<AnyRequestHandlerClass, Entry>();

  constructor(handlers: Iterable<AnyRequestHandlerClass> = []) {
    for (const handler of handlers) this.add(handler);
  }

  /** Registers request handler classes; adding a class twice is harmless, two classes with one name throw `RequestHandlerNameConflictError`. */
  add(...handlers: AnyRequestHandlerClass[]): this {
    for (const handler of handlers) this.#entry(handler);
    return this;
  }

  /** The class registered under `name`. */
  get(name: string): AnyRequestHandlerClass | undefined {
    return this.#byName.get(name);
  }

  /** Whether `handler` was added. */
  has(handler: AnyRequestHandlerClass): boolean {
    return this.#entries.has(handler);
  }

  /** The name a class is stored under (registers the class if needed). */
  nameOf(handler: AnyRequestHandlerClass): string {
    return this.#entry(handler).name;
  }

  /** The tube a route of `handler` leads to; throws `InvalidRouteError` for a priority the class does not declare. */
  tube(handler: AnyRequestHandlerClass, route: Route | RouteLike): TubeAddress {
    if (route === null || typeof route !== 'object')
      throw new InvalidRouteError(`${this.nameOf(handler)}.route() must return a Route for each request, got ${String(route)}`);
    const entry = this.#entry(handler);
    const thread = route.thread ?? 0;
    const priority = route.priority ?? 0;
    let byPriority = entry.tubes.get(thread);
    const cached = byPriority?.get(priority);
    if (cached !== undefined) return cached;
    checkThread(thread);
    if (!Number.isSafeInteger(priority)) throw new InvalidRouteError(`A route priority must be an integer, got ${String(priority)}`);
    let rank = priority;
    if (entry.ranks !== undefined) {
      const declared = entry.ranks.get(priority);
      if (declared === undefined) {
        throw new InvalidRouteError(
          `${entry.name} declares priorities [${[...entry.ranks.keys()].join(', ')}]; its route() returned priority ${priority}`,
        );
      }
      rank = declared;
    }
    const threadKey = `${entry.name}/${thread}`;
    const address: TubeAddress = Object.freeze({
      handlerName: entry.name,
      thread: threadKey,
      tube: `${threadKey}/${priority}`,
      priority,
      rank,
    });
    if (byPriority === undefined) entry.tubes.set(thread, (byPriority = new Map<number, TubeAddress>()));
    byPriority.set(priority, address);
    return address;
  }

  *[Symbol.iterator](): IterableIterator<AnyRequestHandlerClass> {
    yield* this.#entries.keys();
  }

  #entry(handler: AnyRequestHandlerClass): Entry {
    const known = this.#entries.get(handler);
    if (known !== undefined) return known;
    const candidate = handler as unknown as { create?: unknown; route?: unknown } | null;
    if (typeof (handler as unknown) !== 'function' || typeof candidate?.create !== 'function' || typeof candidate.route !== 'function') {
      throw new InvalidOptionError('handler', 'a class extending RequestHandler', handler);
    }
    const name = handler.handlerName ?? handler.name;
    if (typeof name !== 'string' || name === '' || forbidden.test(name)) {
      throw new InvalidOptionError(`${String(name)}.handlerName`, "a non-empty name without '/', tab or newline", name);
    }
    const other = this.#byName.get(name);
    if (other !== undefined && other !== handler) throw new RequestHandlerNameConflictError(name);
    let ranks: Map<number, number> | undefined;
    if (handler.priorities !== undefined) {
      const list = handler.priorities;
      if (
        !Array.isArray(list) ||
        list.length === 0 ||
        list.some((value) => !Number.isSafeInteger(value)) ||
        new Set(list).size !== list.length
      ) {
        throw new InvalidOptionError(`${name}.priorities`, 'a non-empty list of distinct integers, most urgent first', list);
      }
      // The first listed is the most urgent: give it the highest rank.
      ranks = new Map(list.map((priority, index) => [priority, list.length - index]));
    }
    const entry: Entry = { name, ranks, tubes: new Map() };
    this.#entries.set(handler, entry);
    this.#byName.set(name, handler);
    return entry;
  }
}
