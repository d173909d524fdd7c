import type { RedisBodyFormat } from './redis-list-source-options.js';
import { RedisBodyDecodeError } from './redis-body-decode-error.js';

/** Turns the bytes Redis holds into the body a handler sees; throws `RedisBodyDecodeError`. */
export type BodyDecoder<B> = (bytes: Buffer, id: string) => B;

// Fatal: invalid UTF-8 throws instead of turning into U+FFFD (the body must arrive unaltered or not at all).
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(bytes: Buffer, id: string): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw new RedisBodyDecodeError(id, 'text', error);
  }
}

function decodeJson(bytes: Buffer, id: string): unknown {
  const text = decodeText(bytes, id);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RedisBodyDecodeError(id, 'json', error);
  }
}

const keepBytes = (bytes: Buffer): Buffer => bytes;

/** The decoder of a `bodyFormat`. */
export function bodyDecoder<B>(format: RedisBodyFormat): BodyDecoder<B> {
  switch (format) {
    case 'text':
      return decodeText as BodyDecoder<unknown> as BodyDecoder<B>;
    case 'json':
      return decodeJson as BodyDecoder<B>;
    case 'buffer':
      return keepBytes as BodyDecoder<unknown> as BodyDecoder<B>;
  }
}
