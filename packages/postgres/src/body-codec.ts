import pg from 'pg';
import type { CustomTypesConfig } from 'pg';
import { PostgresBodyDecodeError } from './errors/postgres-body-decode-error.js';
import { PostgresBodyEncodeError } from './errors/postgres-body-encode-error.js';

/** How bodies are written and read: JSON values, strings, or bytes. */
export type BodyFormat = 'text' | 'json' | 'buffer';

/** The body type a format delivers. */
export type BodyOf<F extends BodyFormat> = F extends 'buffer' ? Buffer : F extends 'text' ? string : unknown;

/** The kinds of body column a queue table can have (`body_type` of the migration). */
export type BodyColumnType = 'jsonb' | 'json' | 'text' | 'bytea';

/** The column type the migration creates for a format. */
export const defaultColumnType: Readonly<Record<BodyFormat, BodyColumnType>> = Object.freeze({
  json: 'jsonb',
  text: 'text',
  buffer: 'bytea',
});

// json and jsonb arrive as their text (no parse in the driver): the source parses,
// so a body that does not parse is caught here, row by row, never in the driver.
const jsonOid = 114;
const jsonbOid = 3802;
const identity = (value: string): string => value;
/** Type parsers for reading rows: json/jsonb as text, everything else as `pg` parses it. */
export const rawJsonTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) =>
    oid === jsonOid || oid === jsonbOid
      ? identity
      : (pg.types.getTypeParser(oid, format) as (value: string) => unknown)) as CustomTypesConfig['getTypeParser'],
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a body as read (text of a text/json/jsonb column, bytes of a bytea column); throws `PostgresBodyDecodeError`. */
export function decodeBody(format: BodyFormat, raw: string | Buffer, id: string): unknown {
  switch (format) {
    case 'buffer':
      return typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    case 'text':
      if (typeof raw === 'string') return raw;
      try {
        return utf8.decode(raw);
      } catch (error) {
        throw new PostgresBodyDecodeError(id, 'text', error);
      }
    case 'json':
      try {
        return JSON.parse(typeof raw === 'string' ? raw : utf8.decode(raw)) as unknown;
      } catch (error) {
        throw new PostgresBodyDecodeError(id, 'json', error);
      }
  }
}

/** Which column types can store a format's bodies as they are. */
const storable: Readonly<Record<BodyFormat, readonly BodyColumnType[]>> = {
  json: ['jsonb', 'json', 'text', 'bytea'],
  text: ['text', 'bytea'],
  buffer: ['bytea'],
};

/** Whether `format`'s bodies can be written into a `column` column. */
export function canStore(format: BodyFormat, column: BodyColumnType): boolean {
  return storable[format].includes(column);
}

/** Encodes one body for the insert's array parameter: text for text/json/jsonb columns, bytes for bytea. */
export function encodeBody(format: BodyFormat, column: BodyColumnType, body: unknown, index: number): string | Buffer {
  let text: string | undefined;
  switch (format) {
    case 'buffer':
      if (!(body instanceof Uint8Array)) throw new PostgresBodyEncodeError(index, `bodyFormat 'buffer' takes a Buffer or Uint8Array body`);
      return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    case 'text':
      if (typeof body !== 'string') throw new PostgresBodyEncodeError(index, `bodyFormat 'text' takes a string body, got ${typeof body}`);
      text = body;
      break;
    case 'json':
      try {
        text = JSON.stringify(body);
      } catch (error) {
        throw new PostgresBodyEncodeError(
          index,
          `the body is not JSON-serializable: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (text === undefined) throw new PostgresBodyEncodeError(index, `JSON cannot represent ${typeof body} (got ${String(body)})`);
      break;
  }
  if (text.includes('\0') && column !== 'bytea') throw new PostgresBodyEncodeError(index, `a ${column} column cannot hold a NUL character`);
  return column === 'bytea' ? Buffer.from(text, 'utf8') : text;
}

/** The column type as Postgres names it (`format_type`), or undefined when no queue can use it. */
export function bodyColumnType(formatted: string): BodyColumnType | undefined {
  switch (formatted) {
    case 'jsonb':
    case 'json':
    case 'text':
    case 'bytea':
      return formatted;
    case 'character varying':
      return 'text';
    default:
      return undefined;
  }
}
