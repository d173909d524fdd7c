/** The events of a Consumer, with their arguments. */
export interface ConsumerEvents<M> {
  /** `start()` finished: pollers run, the pool is ready. */
  started: [];
  /** A poller (index `poller`) began polling. */
  pollerStarted: [info: { poller: number }];
  /** A poller stopped because of an error; the supervisor revives it. */
  pollerDied: [info: { poller: number; error: unknown }];
  /** The supervisor started a dead poller again. */
  pollerRevived: [info: { poller: number; restarts: number }];
  /** A `get()` call returned messages. */
  received: [info: { poller: number; count: number }];
  /** Messages of a bulk were consumed and handed to `cleanup`. */
  consumed: [messages: readonly M[]];
  /** Messages failed (handler threw, marked them, thread died) and were handed to `release`. */
  failed: [messages: readonly M[], error: unknown];
  /** `cleanup()` threw; it is retried with backoff until `settleAttempts` run out (`willRetry` false). */
  cleanupError: [info: { error: unknown; messages: readonly M[]; attempt: number; willRetry: boolean }];
  /** `release()` threw; retried like cleanup. Messages whose release is given up come back by the source's own timeout. */
  releaseError: [info: { error: unknown; messages: readonly M[]; attempt: number; willRetry: boolean }];
  /** A pool thread died; the pool replaces it. */
  threadDied: [info: { error: unknown }];
  /**
   * An uncaught error escaped work a handler left running (a timer, a promise
   * nobody awaited) after its bulk was already settled: no bulk can be failed
   * for it any more. Errors that happen while their bulk is still open fail
   * that bulk instead (its messages are retried one by one).
   */
  strayError: [info: { error: unknown; threadId: number }];
  /** A pool thread asked to be replaced (`maxBulksPerThread`, `maxThreadHeapMb`): it finished its parcel and was stopped. */
  threadRecycled: [info: { threadId: number; reason: 'bulks' | 'heap' }];
  /** Pollers were held (`pause()`): no new messages are taken; those in flight go on. */
  paused: [];
  /** Pollers were let go again (`resume()`). */
  resumed: [];
  /** `source.extend()` threw: the leases of these messages may lapse (they would be delivered again). */
  extendError: [info: { error: unknown; messages: number }];
  /** A key waited `orderingHoldTimeout` for its failed message to come back, and moved on without it. */
  orderingHoldExpired: [info: { key: string | number; messageId: unknown }];
  /** A pool thread was created to replace one that died. */
  threadRevived: [info: { threadId: number }];
  /** A listener of another event threw. */
  listenerError: [info: { event: string; error: unknown }];
  /** `shutdown()` finished: everything drained (or abandoned after `shutdownTimeout`), pool closed. */
  shutdown: [];
}
