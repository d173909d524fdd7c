// Text bodies cross beside a parcel's JSON, not inside it: a body that is JSON text
// (what Redis, SQS, RabbitMQ and NATS sources hand out by default) is full of
// quotes, and JSON.stringify escapes each one on the main thread and JSON.parse
// unescapes it on the pool thread. As UTF-8 bytes, transferred, they cost a copy,
// and the parcel's JSON stays small (a large one is a large-object allocation).
// Measured: see docs/adr/0003-the-json-hop.md.
import { Buffer, isAscii } from 'node:buffer';
import { jsonBytesInChunks } from './json-chunks.js';

/** The string bodies of a parcel's messages, as UTF-8 bytes one after another. */
export interface TextBodies {
  /** Every body taken out, one after another (a view at the start of a buffer of its own: transferred, not copied). */
  readonly bytes: Uint8Array;
  /** Each message's body length in bytes, or -1 when its body stayed in the JSON. */
  readonly lengths: Int32Array;
}

/** `String.prototype.isWellFormed` (ES2024, in every Node this package runs on; the compiler targets ES2023). */
interface WellFormedCheck {
  isWellFormed(): boolean;
}

/** What the JSON of a parcel holds in place of a body taken out. */
const takenOut = 0;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Whether taking the string bodies out of these messages' JSON pays: when the
 * first string body needs escaping (a quote or a backslash: JSON text). A body
 * without them is copied by JSON.stringify as fast as it would be here, and
 * each message taken out costs a shallow copy. One source's bodies share a
 * shape, so the first tells for the parcel.
 */
export function textBodiesPay(messages: readonly unknown[]): boolean {
  for (const message of messages) {
    const body = (message as { body?: unknown } | null)?.body;
    if (typeof body === 'string') return body.includes('"') || body.includes('\\');
  }
  return false;
}

/**
 * The messages to encode as JSON, each string body replaced by a placeholder
 * (in a shallow copy: the source's message is not touched), and the bodies
 * taken out. Messages are plain objects here (the wire check, or the source's
 * `plainJsonMessages`), so a copy of their own enumerable properties is what
 * JSON would see. A body that is not well-formed UTF-16 (a lone surrogate) stays
 * in the JSON, which keeps it exactly; as UTF-8 it would not survive.
 */
export function takeTextBodies(messages: readonly unknown[]): { readonly envelopes: unknown[]; readonly texts: TextBodies } {
  const envelopes = new Array<unknown>(messages.length);
  const lengths = new Int32Array(messages.length);
  let capacity = 0;
  for (const message of messages) {
    const body = (message as { body?: unknown } | null)?.body;
    if (typeof body === 'string') capacity += body.length;
  }
  // One byte a character fits ASCII; a body that needs more grows the buffer.
  let bytes: Uint8Array = new Uint8Array(Math.max(capacity, 64));
  let written = 0;
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index] as { body?: unknown } | null;
    const body = message?.body;
    if (typeof body !== 'string') {
      envelopes[index] = message;
      lengths[index] = -1;
      continue;
    }
    let result = encoder.encodeInto(body, bytes.subarray(written));
    if (result.read < body.length) {
      bytes = grown(bytes, written, written + body.length * 3);
      result = encoder.encodeInto(body, bytes.subarray(written));
    }
    // More bytes than characters: not ASCII, so it may hold a lone surrogate, which UTF-8 would replace.
    if (result.written !== body.length && !(body as unknown as WellFormedCheck).isWellFormed()) {
      envelopes[index] = message;
      lengths[index] = -1;
      continue;
    }
    envelopes[index] = { ...message, body: takenOut };
    lengths[index] = result.written;
    written += result.written;
  }
  return { envelopes, texts: { bytes: bytes.subarray(0, written), lengths } };
}

/** Puts the bodies `takeTextBodies` took out back into the decoded messages, each a string of its own. */
export function restoreTextBodies(messages: unknown[], texts: TextBodies): void {
  const { bytes, lengths } = texts;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // All ASCII (the common case): each body is read as latin1, the cheapest string Node makes from bytes.
  const ascii = isAscii(buffer);
  let at = 0;
  for (let index = 0; index < messages.length; index++) {
    const length = lengths[index] as number;
    if (length < 0) continue;
    const end = at + length;
    (messages[index] as { body: string }).body = ascii ? buffer.toString('latin1', at, end) : decoder.decode(bytes.subarray(at, end));
    at = end;
  }
}

function grown(bytes: Uint8Array, used: number, needed: number): Uint8Array {
  const next = new Uint8Array(Math.max(needed, bytes.length * 2));
  next.set(bytes.subarray(0, used));
  return next;
}

/**
 * A bulk's messages as one buffer of their own, JSON with the text bodies
 * beside it (how a poller thread sends a bulk): two 32-bit counts (messages,
 * JSON bytes), each message's body length, the JSON, then the bodies.
 */
export function encodeWithTextBodies(messages: readonly unknown[]): Uint8Array {
  const { envelopes, texts } = takeTextBodies(messages);
  // The envelopes' JSON as a parcel's is made (in chunks, under V8's large-object size).
  const json = jsonBytesInChunks(envelopes);
  const head = 8 + 4 * messages.length;
  const out = new Uint8Array(head + json.length + texts.bytes.length);
  const view = new DataView(out.buffer);
  view.setInt32(0, messages.length, true);
  view.setInt32(4, json.length, true);
  for (let index = 0; index < messages.length; index++) view.setInt32(8 + 4 * index, texts.lengths[index] as number, true);
  out.set(json, head);
  out.set(texts.bytes, head + json.length);
  return out;
}

/** The messages `encodeWithTextBodies` encoded. */
export function decodeWithTextBodies(bytes: Uint8Array): unknown[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getInt32(0, true);
  const jsonBytes = view.getInt32(4, true);
  const head = 8 + 4 * count;
  const lengths = new Int32Array(count);
  for (let index = 0; index < count; index++) lengths[index] = view.getInt32(8 + 4 * index, true);
  const messages = JSON.parse(decoder.decode(bytes.subarray(head, head + jsonBytes))) as unknown[];
  restoreTextBodies(messages, { bytes: bytes.subarray(head + jsonBytes), lengths });
  return messages;
}
