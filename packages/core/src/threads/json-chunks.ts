// A parcel's JSON in chunks that each stay under V8's regular heap objects
// (128 KB; a longer string is a large-object allocation of its own). One
// JSON.stringify whose result outgrows that costs about four times as much a
// message: measured on this machine, 106 ns a message up to 124 KB, 440 ns from
// 166 KB (small envelopes); 1.3-3.5 µs against 0.4-0.55 µs for a 660 KB parcel of
// 300-byte bodies in chunks of 96 KB. Parsing shows no such step, so the pool
// thread parses the chunks one by one. See docs/adr/0003-the-json-hop.md.

/**
 * Characters a chunk aims at: under 128 KB even as a two-byte string (text
 * beyond Latin-1 takes two bytes a character in V8), with room for a message
 * longer than the ones measured before it.
 */
const chunkChars = 56 * 1024;
/** Messages in the first chunk, which measures what a message weighs. */
const firstChunk = 16;

/**
 * `values` as JSON: one string when they are few, else several strings (each a
 * JSON array of consecutive values, about `chunkChars` long, sized from the
 * chunks before it), which `parseJsonChunks` joins back into one array.
 */
export function stringifyInChunks(values: readonly unknown[]): string | string[] {
  if (values.length <= firstChunk) return JSON.stringify(values);
  const chunks: string[] = [];
  let start = 0;
  let count = firstChunk;
  while (start < values.length) {
    const end = Math.min(values.length, start + count);
    const chunk = JSON.stringify(values.slice(start, end));
    chunks.push(chunk);
    // The next chunk's size from this one's characters a message (one-byte text: characters are bytes).
    count = Math.max(1, Math.floor(chunkChars / Math.max(1, chunk.length / (end - start))));
    start = end;
  }
  return chunks;
}

/** The array `stringifyInChunks` encoded. */
export function parseJsonChunks(payload: string | readonly string[]): unknown[] {
  if (typeof payload === 'string') return JSON.parse(payload) as unknown[];
  const values = JSON.parse(payload[0] ?? '[]') as unknown[];
  for (let index = 1; index < payload.length; index++) {
    const more = JSON.parse(payload[index] as string) as unknown[];
    for (const value of more) values.push(value);
  }
  return values;
}

const encoder = new TextEncoder();

/**
 * `values` as the UTF-8 bytes of one JSON array, in a buffer of their own
 * (transferable), encoded chunk by chunk (`stringifyInChunks`): the chunks are
 * written one after another, joined by commas, so the bytes parse as one array
 * and no string past V8's large-object size is ever built on this side.
 */
export function jsonBytesInChunks(values: readonly unknown[]): Uint8Array {
  const payload = stringifyInChunks(values);
  if (typeof payload === 'string') return encoder.encode(payload);
  let characters = 0;
  for (const chunk of payload) characters += chunk.length;
  // Up to 3 bytes a character (UTF-8 of UTF-16 code units).
  const bytes = new Uint8Array(characters * 3);
  let written = 0;
  for (let index = 0; index < payload.length; index++) {
    const chunk = payload[index] as string;
    // "[a,b]" + "[c,d]" -> "[a,b,c,d]": drop the inner brackets, join with a comma.
    const inner = chunk.slice(index === 0 ? 0 : 1, index === payload.length - 1 ? chunk.length : chunk.length - 1);
    if (index > 0) bytes[written++] = 0x2c;
    written += encoder.encodeInto(inner, bytes.subarray(written)).written;
  }
  return bytes.subarray(0, written);
}
