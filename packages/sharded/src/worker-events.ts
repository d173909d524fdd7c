import type { MalformedMessageError } from './errors/malformed-message-error.js';
import type { UnknownRequestHandlerError } from './errors/unknown-request-handler-error.js';

/** The events of a Worker, with their arguments. */
export interface WorkerEvents {
  /** The worker claimed a thread (took its lock) and will handle its batches. */
  claimed: [info: { thread: string }];
  /** The worker let a thread go. */
  released: [info: { thread: string; processed: number }];
  /** A batch was handled and acknowledged. */
  handled: [info: { thread: string; tube: string; count: number }];
  /**
   * `handle()` threw: the batch stays at the head of its tube, in order, unless
   * it failed `maxFailures` times and went to the dead letters (`deadLettered` > 0).
   */
  failed: [info: { thread: string; tube: string; error: unknown; failures: number; deadLettered: number }];
  /** A stored message could not be deserialized; it went to the dead letters. */
  malformed: [error: MalformedMessageError];
  /** A stored thread names a request handler this process does not know; it is skipped (reported once per worker). */
  unknownRequestHandler: [error: UnknownRequestHandlerError, info: { thread: string }];
  /** The heartbeat found the thread's lock gone (the process stalled longer than the lock timeout). */
  lockLost: [info: { thread: string }];
  /** A batch was handled but someone else settled it first (only after a lost lock): handled twice, nothing lost. */
  staleSettle: [info: { thread: string; tube: string; count: number }];
  /** A storage, lock or request handler hook call failed; the worker carries on. */
  error: [error: unknown];
  /** A listener of another event threw. */
  listenerError: [info: { event: string; error: unknown }];
}
