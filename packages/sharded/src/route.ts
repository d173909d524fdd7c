import { InvalidRouteError } from './errors/invalid-route-error.js';

/** What a thread may be called: an integer or a string without `/`, tab or newline. */
export type ThreadName = number | string;

/**
 * Where a request goes inside its request handler: the thread (requests of one thread
 * are handled one batch at a time, in order) and the priority inside the thread.
 *
 * ```ts
 * new Route(user.id % 3);      // thread by user, default priority 0
 * new Route(0, 3);             // thread 0, priority 3
 * ```
 */
export class Route {
  /** The sub-queue; requests of one thread are handled strictly in FIFO order (by priority first). */
  readonly thread: ThreadName;
  /** Order inside the thread: the most urgent non-empty priority is always taken first. */
  readonly priority: number;

  constructor(thread: ThreadName = 0, priority = 0) {
    this.thread = checkThread(thread);
    if (!Number.isSafeInteger(priority)) throw new InvalidRouteError(`A route priority must be an integer, got ${String(priority)}`);
    this.priority = priority;
  }
}

/** A `Route` or any object shaped like one, as `RequestHandler.route()` may return. */
export interface RouteLike {
  readonly thread?: ThreadName;
  readonly priority?: number;
}

const forbidden = /[/\t\n]/;

export function checkThread(thread: unknown): ThreadName {
  if (typeof thread === 'number') {
    if (Number.isSafeInteger(thread)) return thread;
  } else if (typeof thread === 'string' && thread !== '' && !forbidden.test(thread)) {
    return thread;
  }
  throw new InvalidRouteError(
    `A route thread must be an integer or a non-empty string without '/', tab or newline, got ${JSON.stringify(thread) ?? String(thread)}`,
  );
}
