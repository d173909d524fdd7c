import { NatsBodyDecodeError } from './errors/nats-body-decode-error.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A body as `bodyFormat` asks, or why it cannot be (the message is then dead-lettered, never handed to a handler). */
export type DecodedBody = { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly error: NatsBodyDecodeError };

/**
 * Decodes a body: strict UTF-8 for 'text' and 'json' (a lone surrogate or a
 * cut multi-byte sequence is refused, never replaced by U+FFFD), a copy of the
 * bytes for 'buffer' (the client's own buffer is reused for later reads).
 */
export function decodeBody(data: Uint8Array, format: 'text' | 'json' | 'buffer', sequence: number): DecodedBody {
  if (format === 'buffer') return { ok: true, body: Uint8Array.prototype.slice.call(data) };
  let text: string;
  try {
    text = utf8.decode(data);
  } catch (cause) {
    return { ok: false, error: new NatsBodyDecodeError(sequence, 'text', cause) };
  }
  if (format === 'text') return { ok: true, body: text };
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch (cause) {
    return { ok: false, error: new NatsBodyDecodeError(sequence, 'json', cause) };
  }
}
