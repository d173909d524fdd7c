import { ConveyorError } from '@conveyor/core';

/** The statements the package runs; an error names the one that failed. */
export type PostgresOperation = 'claim' | 'cleanup' | 'release' | 'dead-letter' | 'extend' | 'inspect' | 'send' | 'migrate' | 'listen';

/**
 * What went wrong talking to PostgreSQL, as a code callers can switch on:
 * - `POSTGRES_UNAVAILABLE`: the connection failed or was cut, the server is
 *   starting or shutting down, or out of connections; transient: `get()` backs off and tries again.
 * - `POSTGRES_NO_TABLE`: the queue table (or its dead-letter table) does not exist: run `migrate()`.
 * - `POSTGRES_QUERY`: the server refused the statement (permissions, a column of the wrong type...).
 */
export type PostgresErrorCode = 'POSTGRES_UNAVAILABLE' | 'POSTGRES_NO_TABLE' | 'POSTGRES_QUERY';

/** A statement of the source, the sender or `migrate()` failed. */
export class PostgresError extends ConveyorError {
  declare readonly code: PostgresErrorCode;
  readonly operation: PostgresOperation;
  /** The server's SQLSTATE (`42P01`...) or the socket's error code (`ECONNREFUSED`), when there was one. */
  readonly sqlState: string | undefined;

  constructor(
    code: PostgresErrorCode,
    message: string,
    details: { operation: PostgresOperation; sqlState?: string | undefined; cause?: unknown },
  ) {
    super(code, message, { cause: details.cause });
    this.operation = details.operation;
    this.sqlState = details.sqlState;
  }

  /** Transient: the same statement may succeed later. */
  get retryable(): boolean {
    return this.code === 'POSTGRES_UNAVAILABLE';
  }
}
