/**
 * Where stored requests live. A tube is one priority of one thread of one
 * request handler; workers lock whole threads, so the priorities of a thread
 * are always handled by the same worker, most urgent first.
 */
export interface TubeAddress {
  /** Registered name of the request handler. */
  readonly handlerName: string;
  /** `handlerName/thread`: the unit a worker locks. */
  readonly thread: string;
  /** `handlerName/thread/priority`: the list the requests are stored in. */
  readonly tube: string;
  readonly priority: number;
  /** Order of this tube inside its thread; the non-empty tube of highest rank is taken first. */
  readonly rank: number;
}

/** `handlerName/thread` → its request handler's name, or `undefined` when the key is not a thread key. */
export function handlerNameOfThread(thread: string): string | undefined {
  const slash = thread.indexOf('/');
  return slash > 0 ? thread.slice(0, slash) : undefined;
}

/** `handlerName/thread/priority` → `handlerName/thread`. */
export function threadOfTube(tube: string): string {
  return tube.slice(0, tube.lastIndexOf('/'));
}
