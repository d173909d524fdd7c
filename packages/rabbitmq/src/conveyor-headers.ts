/**
 * The headers the source writes on the copies it publishes (retries and dead
 * letters). Producers need not set any of them.
 */
export const conveyorHeaders = Object.freeze({
  /** Charged failures so far; a message's `receiveCount` is this + 1. */
  failures: 'x-conveyor-failures',
  /** The error of the last charged failure (its first 1,000 characters). */
  lastError: 'x-conveyor-last-error',
  /** Dead letters: why (`max-receive-count`, `poison`, `bad-body`). */
  deadLetterReason: 'x-conveyor-dead-letter-reason',
  /** Dead letters: the queue the message was consumed from. */
  queue: 'x-conveyor-queue',
});

/** Why a message went to the dead letters. */
export type DeadLetterReason = 'max-receive-count' | 'poison' | 'bad-body';

/** A charged-failure count read from a header: a non-negative integer, else 0. */
export function failuresOf(headers: Readonly<Record<string, unknown>> | undefined): number {
  const value = headers?.[conveyorHeaders.failures];
  const count =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : typeof value === 'bigint' ? Number(value) : 0;
  return Number.isSafeInteger(count) && count > 0 ? count : 0;
}
