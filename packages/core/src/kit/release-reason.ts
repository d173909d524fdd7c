import { ConveyorError } from '../errors/conveyor-error.js';

/**
 * Codes of the errors a consumer releases messages with when they were never
 * handed to the handler: they go back at once and do not count as a receive.
 */
const unchargedCodes: ReadonlySet<string> = new Set(['MESSAGE_NOT_TAKEN', 'SHUTDOWN']);

/** Codes of the errors that no retry can cure: the message goes to the dead letters at once. */
const poisonCodes: ReadonlySet<string> = new Set(['MESSAGE_ENCODING']);

/**
 * True when `release(messages, error)` gives back messages the handler never
 * received (not taken from the bulk, a later bulk of a lost parcel, unstarted
 * at shutdown). A source that counts receives puts them back at once, without
 * a backoff, and does not count that delivery; every other error is *charged*.
 */
export function isUncharged(error: unknown): boolean {
  return error instanceof ConveyorError && unchargedCodes.has(error.code);
}

/**
 * True when `release(messages, error)` gives back messages that can never be
 * handled (a `MessageEncodingError`: they cannot cross to a pool thread
 * unchanged): a source with dead letters moves them there at once.
 */
export function isPoison(error: unknown): boolean {
  return error instanceof ConveyorError && poisonCodes.has(error.code);
}
