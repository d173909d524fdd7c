import { describe, expect, it } from 'vitest';
import { wireVerdict } from '../src/threads/wire-check.js';
import { MessageEncodingError } from '../src/errors/message-encoding-error.js';

describe('the wire check', () => {
  it('plain strings, booleans, finite numbers and null cross as JSON, at any depth', () => {
    expect(wireVerdict({ id: 'a', body: { n: 1.5, ok: true, none: null, list: ['x', 2, false, { deep: 'y' }] }, receiveCount: 1 })).toBe(
      'json',
    );
  });

  it('what JSON would alter needs structured data, in objects as in arrays', () => {
    for (const value of [-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, undefined, 1n]) {
      expect(wireVerdict({ body: { field: value } }), String(value)).toBe('structured');
      expect(wireVerdict({ body: [1, value] }), `[${String(value)}]`).toBe('structured');
    }
    expect(wireVerdict({ body: { when: new Date(0), bytes: new Uint8Array(2) } })).toBe('structured');
  });

  it('what cannot cross at all is refused, with where it is', () => {
    const verdict = wireVerdict({ body: { handler: () => 1 } });
    expect(verdict).toBeInstanceOf(MessageEncodingError);
    expect((verdict as MessageEncodingError).message).toContain('message.body.handler');
  });
});
