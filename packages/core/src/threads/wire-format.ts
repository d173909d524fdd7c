// How a parcel crosses to a pool thread, and back into messages there.
// See docs/adr/0003-the-json-hop.md for why JSON is the default.
import { deserialize, serialize } from 'node:v8';
import type { Parcel } from '../bulk/parcel.js';
import { jsonBytesInChunks, parseJsonChunks, stringifyInChunks } from './json-chunks.js';
import type { TextBodies } from './text-bodies.js';
import { decodeWithTextBodies, encodeWithTextBodies, restoreTextBodies, takeTextBodies, textBodiesPay } from './text-bodies.js';

/**
 * How bulks cross into pool threads: 'json' sends a parcel as one JSON string
 * when every message is plain JSON data (else structured); 'structured' always
 * uses v8 serialization (the structured clone algorithm, Buffers kept as Buffers).
 */
export type BulkTransfer = 'json' | 'structured';

/** How one encoded payload must be decoded: UTF-8 JSON, JSON with text bodies beside it, or v8 serialization. */
export type PayloadFormat = 'json' | 'json-texts' | 'structured';

/**
 * A parcel as it crosses: one payload for the whole parcel (JSON in chunks
 * under V8's large-object size, see json-chunks.ts), or one per bulk (poller threads).
 */
export type WireParcel =
  | {
      readonly kind: 'json';
      readonly payload: string | readonly string[];
      readonly bulkSizes: Int32Array;
      readonly texts?: TextBodies;
    }
  | { readonly kind: 'structured'; readonly payload: Uint8Array; readonly bulkSizes: Int32Array }
  | { readonly kind: 'bytes'; readonly payloads: readonly Uint8Array[]; readonly formats: readonly PayloadFormat[] };

/** A bulk a poller thread already encoded: its bytes and their format. */
export interface EncodedPayload {
  readonly bytes: Uint8Array;
  readonly format: PayloadFormat;
}

/**
 * Encodes a parcel: one JSON string, or v8 serialization when a message needs it
 * (`structured`, decided by the wire check when the messages were received).
 */
export function encodeParcel<M>(parcel: Parcel<M>, structured: boolean): WireParcel {
  // Bulk sizes cross as a typed array: one copy, where an array of numbers is cloned number by
  // number (it was a third of piscina's postTask for parcels of a hundred bulks).
  const bulkSizes = Int32Array.from(parcel.bulkSizes);
  if (!structured) {
    if (!textBodiesPay(parcel.messages)) return { kind: 'json', payload: stringifyInChunks(parcel.messages), bulkSizes };
    // Bodies that are JSON text cross beside the JSON, unescaped.
    const { envelopes, texts } = takeTextBodies(parcel.messages);
    return { kind: 'json', payload: stringifyInChunks(envelopes), bulkSizes, texts };
  }
  return { kind: 'structured', payload: encodeStructured(parcel.messages), bulkSizes };
}

/** v8 serialization of `value`, in a buffer of its own (so it can be transferred, not copied). */
export function encodeStructured(value: unknown): Uint8Array {
  const buffer = serialize(value);
  return buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength ? buffer : new Uint8Array(buffer);
}

/**
 * Where the bytes of bulks whose messages live in poller threads come from (the
 * parcel's messages are refs): a whole bulk's bytes as its thread encoded them,
 * or, for any other cut (a suspect handled alone), the thread encodes them again.
 */
export interface BulkPayloads<M> {
  /** The bytes of the bulk of `count` messages starting with `first`, when its thread encoded exactly that bulk and they were not sent yet. */
  take(first: M, count: number): EncodedPayload | undefined;
  /** These messages encoded on their own; rejects when a thread no longer holds one of them. */
  encode(messages: readonly M[]): Promise<EncodedPayload>;
}

/** A parcel of refs as it crosses: each bulk's bytes, from `payloads`. */
export async function encodeRefParcel<M>(parcel: Parcel<M>, payloads: BulkPayloads<M>): Promise<WireParcel> {
  const bytes: Uint8Array[] = [];
  const formats: PayloadFormat[] = [];
  let start = 0;
  for (const size of parcel.bulkSizes) {
    const payload = payloads.take(parcel.messages[start] as M, size) ?? (await payloads.encode(parcel.messages.slice(start, start + size)));
    bytes.push(payload.bytes);
    formats.push(payload.format);
    start += size;
  }
  return { kind: 'bytes', payloads: bytes, formats };
}

/** The buffers a task's `postMessage` should transfer rather than copy. */
export function transferListOf(wire: WireParcel): ArrayBuffer[] | undefined {
  switch (wire.kind) {
    case 'json':
      return wire.texts === undefined ? undefined : [wire.texts.bytes.buffer as ArrayBuffer];
    case 'structured':
      return [wire.payload.buffer as ArrayBuffer];
    case 'bytes':
      return wire.payloads.map((payload) => payload.buffer as ArrayBuffer);
  }
}

const decoder = new TextDecoder();

/** A bulk's messages as a poller thread sends them: bytes of their own (transferred), and their format. */
export function encodePayload(messages: readonly unknown[], structured: boolean): EncodedPayload {
  if (structured) return { bytes: encodeStructured(messages), format: 'structured' };
  if (textBodiesPay(messages)) return { bytes: encodeWithTextBodies(messages), format: 'json-texts' };
  return { bytes: jsonBytesInChunks(messages), format: 'json' };
}

/** Decodes one payload a poller thread encoded. */
export function decodePayload(bytes: Uint8Array, format: PayloadFormat): unknown[] {
  switch (format) {
    case 'json':
      return JSON.parse(decoder.decode(bytes)) as unknown[];
    case 'json-texts':
      return decodeWithTextBodies(bytes);
    case 'structured':
      return deserialize(bytes) as unknown[];
  }
}

/** A parcel as a pool thread decodes it: its messages and bulk sizes. */
export interface DecodedParcel {
  readonly messages: unknown[];
  readonly bulkSizes: ArrayLike<number>;
}

/** The parcel a pool thread receives: its messages and bulk sizes. */
export function decodeParcel(wire: WireParcel): DecodedParcel {
  switch (wire.kind) {
    case 'json': {
      const messages = parseJsonChunks(wire.payload);
      if (wire.texts !== undefined) restoreTextBodies(messages, wire.texts);
      return { messages, bulkSizes: wire.bulkSizes };
    }
    case 'structured':
      return { messages: deserialize(wire.payload) as unknown[], bulkSizes: wire.bulkSizes };
    case 'bytes': {
      // One payload per bulk, as the poller thread cut them.
      const messages: unknown[] = [];
      const bulkSizes: number[] = [];
      wire.payloads.forEach((payload, index) => {
        const bulk = decodePayload(payload, wire.formats[index] ?? 'json');
        for (const message of bulk) messages.push(message);
        bulkSizes.push(bulk.length);
      });
      return { messages, bulkSizes };
    }
  }
}
