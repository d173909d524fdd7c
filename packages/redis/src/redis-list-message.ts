import type { DeliveredMessage } from '@conveyor/core/kit';

/**
 * A message as the Redis list source delivers it. Plain data (it crosses to
 * pool threads as JSON; a `Buffer` body needs `transfer: 'clone'`).
 */
export interface RedisListMessage<B = string> extends DeliveredMessage<B, string> {
  /** The message id (decimal), stable across deliveries: given by `send()`, or on first delivery to a raw `RPUSH`ed body. */
  readonly id: string;
  /** The body, decoded as `bodyFormat` says. */
  readonly body: B;
  /** Deliveries of this message so far, this one included; uncharged releases do not count. */
  readonly receiveCount: number;
  /** `<delivery>:<position>:<id>`: settles this delivery only (stale once it is settled or its visibility lapsed). Never the body. */
  readonly receipt: string;
}

/** A message that went to the dead letters (`{<key>}:dead`). */
export interface RedisListDeadLetter {
  readonly id: string;
  /** The body's bytes, exactly as stored (`body.toString()` for text). */
  readonly body: Buffer;
  /** The last error, as text (`<name>: <message>`). */
  readonly error: string;
  /** Receives counted when it was dead-lettered. */
  readonly receiveCount: number;
  /** When, in ms since the epoch (the Redis server's clock). */
  readonly at: number;
}

/** A dead-letter entry is `<JSON header>\n<body bytes>`: the header never holds a raw newline (JSON escapes it). */
export function parseDeadLetter(entry: Buffer): RedisListDeadLetter {
  const newline = entry.indexOf(10);
  const end = newline < 0 ? entry.length : newline;
  const header = JSON.parse(entry.toString('utf8', 0, end)) as { id?: unknown; error?: unknown; receiveCount?: unknown; at?: unknown };
  return {
    id: String(header.id),
    body: newline < 0 ? Buffer.alloc(0) : entry.subarray(newline + 1),
    error: typeof header.error === 'string' ? header.error : String(header.error),
    receiveCount: Number(header.receiveCount),
    at: Number(header.at),
  };
}
