/**
 * Where stored requests live. A tube is one priority of one thread of one
 * handler; workers lock whole threads, so the priorities of a thread are
 * always handled by the same worker, most urgent first.
 */
export interface TubeAddress {
  /** Registered name of the handler. */
  readonly handler: string;
  /** `handler/thread`: the unit a worker locks. */
  readonly thread: string;
  /** `handler/thread/priority`: the list the requests are stored in. */
  readonly tube: string;
  readonly priority: number;
  /** Order of this tube inside its thread; the non-empty tube of highest rank is taken first. */
  readonly rank: number;
}

/** `handler/thread` → its handler name, or `undefined` when the key is not a thread key. */
export function handlerOfThread(thread: string): string | undefined {
  const slash = thread.indexOf('/');
  return slash > 0 ? thread.slice(0, slash) : undefined;
}

/** `handler/thread/priority` → `handler/thread`. */
export function threadOfTube(tube: string): string {
  return tube.slice(0, tube.lastIndexOf('/'));
}
