import { createHash } from 'node:crypto';
import { InvalidOptionError } from '@conveyor/core';

/**
 * The names of one queue: its table, its dead-letter table and its NOTIFY
 * channel, each quoted once here so no statement ever splices a raw name.
 */
export interface QueueTable {
  readonly schema: string;
  readonly table: string;
  /** `<table>_dead`. */
  readonly deadTable: string;
  /** `"schema"."table"`, safe to splice into SQL. */
  readonly qualified: string;
  /** `"schema"."table_dead"`, safe to splice into SQL. */
  readonly qualifiedDead: string;
  /** The channel the sender NOTIFYs and the source LISTENs to: `conveyor:<schema>.<table>` (hashed when longer than 63 bytes). */
  readonly channel: string;
  /** `schema.table`, for messages. */
  readonly display: string;
}

// Postgres cuts identifiers at 63 bytes; the longest derived name adds 12 (`_key_claimed`),
// and a cut name could collide with another (a 63-byte table and its `_dead` table).
const maxIdentifierBytes = 63;
const maxTableBytes = maxIdentifierBytes - '_key_claimed'.length;

/** Validates `schema` and `table` and derives every name of the queue. */
export function queueTable(schema: string, table: string): QueueTable {
  checkName('schema', schema, maxIdentifierBytes);
  checkName('table', table, maxTableBytes);
  const deadTable = `${table}_dead`;
  const display = `${schema}.${table}`;
  const wanted = `conveyor:${display}`;
  const channel =
    Buffer.byteLength(wanted) <= maxIdentifierBytes
      ? wanted
      : `conveyor:${createHash('sha256').update(display).digest('hex').slice(0, 40)}`;
  return Object.freeze({
    schema,
    table,
    deadTable,
    qualified: `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`,
    qualifiedDead: `${quoteIdentifier(schema)}.${quoteIdentifier(deadTable)}`,
    channel,
    display,
  });
}

/** `name` as a quoted SQL identifier: any character is safe, a `"` is doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `text` as a quoted SQL string literal (standard_conforming_strings: a `'` is doubled). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function checkName(option: string, value: string, maxBytes: number): void {
  if (typeof value !== 'string' || value === '' || value.includes('\0') || Buffer.byteLength(value) > maxBytes) {
    throw new InvalidOptionError(option, `a name of 1 to ${maxBytes} bytes without NUL characters`, value);
  }
}
