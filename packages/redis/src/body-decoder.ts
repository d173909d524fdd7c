import { isAscii } from 'node:buffer';
import type { EncodedBodies } from './list-store.js';
import type { RedisBodyFormat } from './redis-list-source-options.js';
import { RedisBodyDecodeError } from './redis-body-decode-error.js';

/** The bodies of one delivery, decoded; `failed` holds the positions that did not decode (their `bodies` entry is undefined). */
export interface DecodedBodies<B> {
  readonly bodies: (B | undefined)[];
  readonly failed: { readonly index: number; readonly error: RedisBodyDecodeError }[];
}

// Fatal: invalid UTF-8 throws instead of turning into U+FFFD (the body must arrive unaltered or not at all).
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes the bodies of one delivery as `format` says, each on its own. Small
 * bodies arrive as one blob (up to 256 KB); a body handed out never shares
 * memory with it (a Buffer view, a sliced string), or keeping one body alive
 * would keep all of its delivery's bodies alive. For JSON, a blob that is all
 * ASCII (the common case) is decoded once and sliced: the text is parsed at once
 * and never handed out.
 */
export function decodeBodies<B>(format: RedisBodyFormat, encoded: EncodedBodies, ids: readonly string[]): DecodedBodies<B> {
  const count = ids.length;
  const bodies = new Array<B | undefined>(count);
  const failed: { index: number; error: RedisBodyDecodeError }[] = [];
  const bytesOf =
    'each' in encoded
      ? (index: number): Buffer => encoded.each[index] as Buffer
      : (index: number): Buffer => encoded.blob.subarray(encoded.starts[index], encoded.starts[index + 1]);
  if (format === 'buffer') {
    // A copy of each body in memory of its own: not a view of the blob, nor of the client's socket read chunks
    // (a large delivery's bodies arrive one reply each, but as slices of chunks shared with their neighbours),
    // nor a slice of Node's buffer pool, which the copies of its neighbours would share.
    for (let index = 0; index < count; index++) bodies[index] = ownBuffer(bytesOf(index)) as B;
    return { bodies, failed };
  }
  const blob = 'blob' in encoded && isAscii(encoded.blob) ? encoded.blob : undefined;
  // Text handed out is copied out of the blob per body; text only parsed may be a slice of the blob decoded once.
  const ascii = blob !== undefined && format === 'json' ? blob.toString('latin1') : undefined;
  const starts = 'blob' in encoded ? encoded.starts : [];
  for (let index = 0; index < count; index++) {
    let text: string;
    if (ascii !== undefined) text = ascii.slice(starts[index], starts[index + 1]);
    else if (blob !== undefined) text = blob.toString('latin1', starts[index], starts[index + 1]);
    else {
      try {
        text = utf8.decode(bytesOf(index));
      } catch (error) {
        failed.push({ index, error: new RedisBodyDecodeError(ids[index] as string, 'text', error) });
        continue;
      }
    }
    if (format === 'text') {
      bodies[index] = text as B;
      continue;
    }
    try {
      bodies[index] = JSON.parse(text) as B;
    } catch (error) {
      failed.push({ index, error: new RedisBodyDecodeError(ids[index] as string, 'json', error) });
    }
  }
  return { bodies, failed };
}

/** `bytes` copied into an ArrayBuffer of their own (exactly their size). */
function ownBuffer(bytes: Buffer): Buffer {
  const copy = Uint8Array.prototype.slice.call(bytes);
  return Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength);
}
