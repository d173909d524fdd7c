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
 * Decodes the bodies of one delivery as `format` says, each on its own. When
 * a blob of small bodies is all ASCII (the common case of text and JSON) it is
 * decoded once and sliced: the same text, for less work.
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
    for (let index = 0; index < count; index++) bodies[index] = bytesOf(index) as B;
    return { bodies, failed };
  }
  const ascii = 'blob' in encoded && isAscii(encoded.blob) ? encoded.blob.toString('latin1') : undefined;
  for (let index = 0; index < count; index++) {
    let text: string;
    if (ascii !== undefined)
      text = ascii.slice(
        (encoded as { starts: readonly number[] }).starts[index],
        (encoded as { starts: readonly number[] }).starts[index + 1],
      );
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
