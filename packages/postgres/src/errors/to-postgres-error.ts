import { PostgresError } from './postgres-error.js';
import type { PostgresOperation } from './postgres-error.js';

// SQLSTATE classes and codes after which the same statement may succeed: connection
// exceptions, the server shutting down or starting, too many connections, a deadlock
// or serialization failure, a statement cancelled by the server.
const transientClasses = ['08', '53', '57'];
const transientStates = new Set(['40001', '40P01', '55P03']);
const missingTable = new Set(['42P01', '3F000']);

/** Turns what `pg` threw into a `PostgresError` with a code saying whether to retry. */
export function toPostgresError(error: unknown, operation: PostgresOperation, display: string): PostgresError {
  if (error instanceof PostgresError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const state = typeof code === 'string' ? code : undefined;
  // A server error carries a 5-character SQLSTATE; anything else (ECONNREFUSED, "Connection
  // terminated unexpectedly", a timeout) happened on the way to it.
  const fromServer = state !== undefined && /^[0-9A-Z]{5}$/.test(state);
  const programming = error instanceof TypeError || error instanceof RangeError;
  const transient = fromServer ? transientClasses.includes(state.slice(0, 2)) || transientStates.has(state) : !programming;
  if (transient) {
    return new PostgresError('POSTGRES_UNAVAILABLE', `${operation} on ${display}: ${message}`, {
      operation,
      sqlState: state,
      cause: error,
    });
  }
  if (state !== undefined && missingTable.has(state)) {
    return new PostgresError('POSTGRES_NO_TABLE', `${operation} on ${display}: ${message} (create the queue with migrate())`, {
      operation,
      sqlState: state,
      cause: error,
    });
  }
  return new PostgresError('POSTGRES_QUERY', `${operation} on ${display}: ${message}`, { operation, sqlState: state, cause: error });
}

/** True for the error an aborted wait or query rejects with. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
