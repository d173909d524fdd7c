import type { Bulk } from './bulk.js';

/**
 * Handles one bulk. Messages taken from the iterator before the handler throws
 * are consumed; the one it held when it threw and all it had not taken are failed.
 * `bulk.fail(message, reason)` marks a single taken message failed without throwing.
 */
export type Handler<M> = (bulk: Bulk<M>) => unknown;
