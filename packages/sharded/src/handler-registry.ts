import { InvalidOptionError } from '@conveyor/core';
import { HandlerNameConflictError, InvalidRouteError } from './errors.js';
import type { HandlerClass } from './handler.js';
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
 * The handler classes a process knows, by name. Workers find the class of a
 * stored thread here; a module is never imported because a key names it.
 */
export class HandlerRegistry {
  readonly #byName = new Map<string, HandlerClass<unknown>>();
  readonly #entries = new Map<HandlerClass<unknown>, Entry>();

  constructor(handlers: Iterable<HandlerClass<unknown>> = []) {
    for (const handler of handlers) this.add(handler);
  }

  /** Registers handler classes; adding a class twice is harmless, two classes with one name throw `HandlerNameConflictError`. */
  add(...handlers: HandlerClass<unknown>[]): this {
    for (const handler of handlers) this.#entry(handler);
    return this;
  }

  /** The class registered under `name`. */
  get(name: string): HandlerClass<unknown> | undefined {
    return this.#byName.get(name);
  }

  has(handler: HandlerClass<unknown>): boolean {
    return this.#entries.has(handler);
  }

  /** The name a class is stored under (registers the class if needed). */
  nameOf(handler: HandlerClass<unknown>): string {
    return this.#entry(handler).name;
  }

  /** The tube a route of `handler` leads to; throws `InvalidRouteError` for a priority the class does not declare. */
  tube(handler: HandlerClass<unknown>, route: Route | RouteLike): TubeAddress {
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
      handler: entry.name,
      thread: threadKey,
      tube: `${threadKey}/${priority}`,
      priority,
      rank,
    });
    if (byPriority === undefined) entry.tubes.set(thread, (byPriority = new Map<number, TubeAddress>()));
    byPriority.set(priority, address);
    return address;
  }

  *[Symbol.iterator](): IterableIterator<HandlerClass<unknown>> {
    yield* this.#entries.keys();
  }

  #entry(handler: HandlerClass<unknown>): Entry {
    const known = this.#entries.get(handler);
    if (known !== undefined) return known;
    const candidate = handler as unknown as { create?: unknown; route?: unknown } | null;
    if (typeof (handler as unknown) !== 'function' || typeof candidate?.create !== 'function' || typeof candidate.route !== 'function') {
      throw new InvalidOptionError('handler', 'a class extending Handler', handler);
    }
    const name = handler.handlerName ?? handler.name;
    if (typeof name !== 'string' || name === '' || forbidden.test(name)) {
      throw new InvalidOptionError(`${String(name)}.handlerName`, "a non-empty name without '/', tab or newline", name);
    }
    const other = this.#byName.get(name);
    if (other !== undefined && other !== handler) throw new HandlerNameConflictError(name);
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
