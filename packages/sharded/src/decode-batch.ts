import type { Queue } from './queue.js';
import type { Peeked, SettleResult } from './storage.js';

/** A peeked batch as requests: those before the first malformed message, or the error of a malformed head. */
export type DecodedBatch = { readonly ok: true; readonly requests: readonly unknown[] } | { readonly ok: false; readonly error: unknown };

/**
 * Decodes a peeked batch up to its first malformed message (which is then the
 * head of the next batch). A `'values'` storage keeps the requests themselves:
 * nothing to decode, nothing malformed.
 */
export function decodeBatch(queue: Queue, peeked: Peeked<unknown>): DecodedBatch {
  if (queue.storage.encoding === 'values') return { ok: true, requests: peeked.messages };
  const requests: unknown[] = [];
  for (const message of peeked.messages) {
    try {
      requests.push(queue.decode(peeked.tube, message));
    } catch (error) {
      if (requests.length > 0) break;
      return { ok: false, error };
    }
  }
  return { ok: true, requests };
}

/** Moves the malformed head of a peeked batch to the dead letters at once: a message that can never be read is never retried. */
export function deadLetterMalformedHead(queue: Queue, peeked: Peeked<unknown>): Promise<SettleResult> {
  return queue.storage.settle({ tube: peeked.tube, thread: peeked.thread, offset: peeked.offset, count: 1 }, [0], {
    reason: 'malformed message',
    maxFailures: 1,
  });
}
